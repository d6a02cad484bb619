import t from 'tap'
import { LAYOUT_VERSION, newId, isId, Store, type Unit } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

const unit = (code: string): Unit => ({ code, name: `Huyện ${code}`, level: 'district', parent: '64', agencyCode: null, createdAt: new Date().toISOString() })

t.test('a transaction commits across sublevels at once and survives reopening', async t => {
  const dir = await tempDir(t)
  const store = await Store.open(dir)
  await store.tx().putUnit(unit('622')).putMeta('catalogueVersion', 7).commit()
  await store.close()
  const again = await Store.open(dir)
  t.teardown(() => again.close())
  t.equal((await again.getUnit('622'))?.name, 'Huyện 622')
  t.equal(await again.getMeta('catalogueVersion'), 7)
  t.equal(await again.getMeta('layoutVersion'), LAYOUT_VERSION, 'a new directory starts at the current layout')
  t.equal(await again.getUnit('999'), undefined)
})

t.test('a second process (or open) on the same data dir is refused clearly', async t => {
  const dir = await tempDir(t)
  const store = await Store.open(dir)
  t.teardown(() => store.close())
  await t.rejects(Store.open(dir), { code: 'STORE_LOCKED' })
})

t.test('lock serialises read-modify-write on one key', async t => {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  await store.tx().putMeta('catalogueVersion', 0).commit()
  await Promise.all(Array.from({ length: 20 }, async () => await store.lockCatalogue(async () => {
    const n = (await store.getMeta('catalogueVersion'))!
    await new Promise(resolve => setImmediate(resolve))
    await store.tx().putMeta('catalogueVersion', n + 1).commit()
  })))
  t.equal(await store.getMeta('catalogueVersion'), 20)
})

t.test('the typed locks: one page\'s lock is the same whether taken alone or with others, and sets never deadlock', async t => {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  const order: string[] = []
  let release!: () => void
  const held = store.lockPages(['p_b', 'p_a'], async () => {
    order.push('pages')
    await new Promise<void>(resolve => { release = resolve })
    order.push('pages done')
  })
  await new Promise(resolve => setImmediate(resolve))
  const single = store.lockPage('p_a', async () => { order.push('page a') })
  const other = store.lockPage('p_c', async () => { order.push('page c') })
  await other
  t.same(order, ['pages', 'page c'], 'another page is free; p_a waits for the set')
  release()
  await Promise.all([held, single])
  t.same(order, ['pages', 'page c', 'pages done', 'page a'])
  // Two callers taking overlapping sets in opposite orders both finish (the store sorts them).
  await Promise.all([
    store.lockRecords(['r_1', 'r_2'], async () => { await new Promise(resolve => setTimeout(resolve, 10)) }),
    store.lockRecords(['r_2', 'r_1'], async () => { await new Promise(resolve => setTimeout(resolve, 10)) })
  ])
  t.pass('no deadlock')
})

t.test('ids are time-ordered and typed', async t => {
  const a = newId('r')
  await new Promise(resolve => setTimeout(resolve, 2))
  const b = newId('r')
  t.ok(a < b)
  t.ok(isId(a, 'r'))
  t.notOk(isId(a, 'p'))
})

t.test('records list newest first', async t => {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const id = newId('r')
    ids.push(id)
    const now = new Date().toISOString()
    await store.tx().putRecord({ id, unit: '622', batchId: 'b', filename: null, sourceSha256: 'x', pageIds: [], status: 'draft', createdAt: now, updatedAt: now }).commit()
    await new Promise(resolve => setTimeout(resolve, 2))
  }
  const listed = []
  for await (const r of store.listRecords()) listed.push(r.id)
  t.same(listed, [...ids].reverse())
})
