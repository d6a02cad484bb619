/**
 * Layout 3 (segments) cannot read layout 2's keys (one key per posting). An older index is emptied on open, says
 * a rebuild is advised (the node then runs `sohoa reindex` by itself) until a clear and re-index have run.
 */
import t from 'tap'
import { INDEX_LAYOUT } from '../../appliance/src/store/search-index.js'
import { openIndex } from './setup.js'

const raw = (db: any): any => db.sublevel('index', { valueEncoding: 'json' })

t.test('a layout 2 index is emptied, advises a rebuild, and a rebuild clears the advice', async t => {
  t.equal(INDEX_LAYOUT, 3)
  const first = await openIndex(t)
  await first.close()
  // What layout 2 held: one key per posting, documents with their attributes.
  await first.db.open()
  await raw(first.db).batch([
    { type: 'put', key: 'layout', value: 2 },
    { type: 'put', key: 'doc!old1', value: { length: 3, attrs: { unit: '622' }, indexedAt: '2026-01-01T00:00:00Z' } },
    { type: 'put', key: 'post!thu!old1', value: [0] }
  ])
  await first.close()

  const second = await openIndex(t, first.dir)
  t.equal((await second.search.search('thu')).total, 0, 'the old postings are gone')
  t.equal(await second.search.reindexAdvised(), true)
  t.equal(await raw(second.db).get('layout'), 3, 'raised on open')
  t.equal(await raw(second.db).get('post!thu!old1'), undefined)
  await second.close()

  const third = await openIndex(t, first.dir)
  t.equal(await third.search.reindexAdvised(), true, 'the advice survives a restart')
  await third.search.clear()
  await third.search.indexDocument('old1', { text: 'Quyết định thu hồi đất 1696/QĐ-UBND', attrs: { unit: '622', status: 'draft' }, fields: { documentNumber: '1696/QĐ-UBND' } })
  t.equal(await third.search.reindexAdvised(), false)
  t.same((await third.search.search('', { documentNumber: '1696/qd-ubnd' })).results.map(r => r.recordId), ['old1'])
  await third.close()

  const fourth = await openIndex(t, first.dir)
  t.equal(await fourth.search.reindexAdvised(), false)
  t.equal(await raw(fourth.db).get('upgradedFrom'), undefined)
})

t.test('an empty older index is simply raised', async t => {
  const first = await openIndex(t)
  await first.search.stats()
  await raw(first.db).put('layout', 1)
  await first.close()
  const second = await openIndex(t, first.dir)
  t.equal(await second.search.reindexAdvised(), false)
  t.equal(await raw(second.db).get('layout'), 3)
})

t.test('a layout newer than this sohoa is refused', async t => {
  const first = await openIndex(t)
  await first.search.stats()
  await raw(first.db).put('layout', INDEX_LAYOUT + 1)
  await first.close()
  const second = await openIndex(t, first.dir)
  await t.rejects(second.search.search('x'), { code: 'CONFIG_INVALID' })
  await t.rejects(second.search.reindexAdvised(), { code: 'CONFIG_INVALID' })
})
