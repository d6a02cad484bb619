/**
 * The index layout went from 1 (text only) to 2 (fields and lookup keys, a superset). An index written by layout 1
 * is read as it is, is raised to 2 at once (so an older sohoa refuses it rather than misread field positions),
 * and says a rebuild is advised until `sohoa reindex` (clear, then index again) has run.
 */
import t from 'tap'
import { INDEX_LAYOUT } from '../../appliance/src/store/search-index.js'
import { openIndex } from './setup.js'

const raw = (db: any): any => db.sublevel('index', { valueEncoding: 'json' })

t.test('a layout 1 index keeps working, advises a rebuild, and a rebuild clears the advice', async t => {
  t.equal(INDEX_LAYOUT, 2)
  const first = await openIndex(t)
  // What layout 1 held: documents with text and attributes, no fields.
  await first.search.indexDocument('old1', { text: 'Quyết định thu hồi đất 1696/QĐ-UBND', attrs: { unit: '622', status: 'draft' } })
  await first.search.indexDocument('old2', { text: 'Giấy phép xây dựng', attrs: { unit: '628', status: 'approved' } })
  t.equal(await first.search.reindexAdvised(), false)
  await raw(first.db).put('layout', 1)
  await first.close()

  const second = await openIndex(t, first.dir)
  t.same((await second.search.search('thu hoi dat')).results.map(r => r.recordId), ['old1'], 'old documents are found')
  t.same((await second.search.search('', { statuses: ['approved'], facets: true })).facets?.unit, [{ value: '628', count: 1 }])
  t.equal(await second.search.reindexAdvised(), true)
  t.equal(await raw(second.db).get('layout'), 2, 'raised on open')
  // Old documents lack lookup keys until re-indexed.
  t.equal((await second.search.search('', { documentNumber: '1696/QĐ-UBND' })).total, 0)
  await second.close()

  const third = await openIndex(t, first.dir)
  t.equal(await third.search.reindexAdvised(), true, 'the advice survives a restart')
  // `sohoa reindex`: clear, then every record again, now with its fields.
  await third.search.clear()
  await third.search.indexDocument('old1', { text: 'Quyết định thu hồi đất 1696/QĐ-UBND', attrs: { unit: '622', status: 'draft' }, fields: { documentNumber: '1696/QĐ-UBND' } })
  t.equal(await third.search.reindexAdvised(), false)
  t.same((await third.search.search('', { documentNumber: '1696/qd-ubnd' })).results.map(r => r.recordId), ['old1'])
  t.same((await third.store.audit()).problems, [])
  await third.close()

  const fourth = await openIndex(t, first.dir)
  t.equal(await fourth.search.reindexAdvised(), false)
  t.equal(await raw(fourth.db).get('upgradedFrom'), undefined)
})

t.test('an empty layout 1 index is simply raised', async t => {
  const first = await openIndex(t)
  await first.search.stats()
  await raw(first.db).put('layout', 1)
  await first.close()
  const second = await openIndex(t, first.dir)
  t.equal(await second.search.reindexAdvised(), false)
  t.equal(await raw(second.db).get('layout'), 2)
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
