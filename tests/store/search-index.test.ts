import t from 'tap'
import { Store } from '../../appliance/src/store/index.js'
import { createSearchIndex } from '../../appliance/src/search/index.js'
import { SearchIndexStore, type IndexSublevel } from '../../appliance/src/store/search-index.js'
import { tempDir } from '../helpers/tmp.js'
import { indexCorpus, openIndex } from '../search/setup.js'

t.test('the sublevel types the composition root has fit the constructor', async t => {
  const dir = await tempDir(t)
  const store = await Store.open(dir)
  t.teardown(() => store.close())
  // Compile-time checks (tsc runs over tests): both ways of making the sublevel are accepted.
  const fromRoot: IndexSublevel = store.db.sublevel<string, any>('index', { valueEncoding: 'json' })
  const fromStore: IndexSublevel = store.sub('index')
  const index = new SearchIndexStore(fromStore)
  await index.replace('r1', { text: 'a b', length: 2, attrs: {}, postings: new Map([['a', [0]], ['b', [1]]]) })
  // A second handle rebuilds the memtable from the stored text with the engine's analyzer.
  const other = new SearchIndexStore(fromRoot)
  createSearchIndex(other)
  t.same((await other.documentFrequencies(['a', 'b', 'c'])), [1, 1, 0], 'same keys either way')
})

t.test('re-indexing the same text leaves the same index and statistics', async t => {
  const { store, search } = await openIndex(t)
  await indexCorpus(search)
  const stats = await search.stats()
  const results = await search.search('ủy ban nhân dân huyện', { limit: 100 })
  await indexCorpus(search)
  t.same(await search.stats(), stats)
  t.same(await search.search('ủy ban nhân dân huyện', { limit: 100 }), results)
  t.same((await store.audit()).problems, [])
  t.equal(stats.documents, 24)
})

t.test('re-indexing changed text replaces the old postings', async t => {
  const { store, search } = await openIndex(t)
  await search.indexDocument('r', { text: 'Quyết định thu hồi đất số 499/QĐ-UBND', attrs: { unit: '622' } })
  const before = await search.stats()
  await search.indexDocument('r', { text: 'Giấy phép xây dựng số 969/GPXD-UBND', attrs: { unit: '623' } })
  t.equal((await search.search('thu hồi')).total, 0)
  t.equal((await search.search('499')).total, 0)
  t.same((await search.search('969/gpxd-ubnd')).results.map(r => r.recordId), ['r'])
  t.equal((await search.search('xây dựng', { units: ['622'] })).total, 0, 'attributes replaced too')
  const after = await search.stats()
  t.equal(after.documents, 1)
  t.equal(after.totalLength, 8)
  t.equal(before.totalLength, 9)
  t.same(await store.documentFrequencies(['thu', 'so', 'ubnd', 'gpxd']), [0, 1, 1, 1])
  t.same((await store.audit()).problems, [])
})

t.test('removal takes the postings, the statistics and the df; twice is harmless', async t => {
  const { store, search } = await openIndex(t)
  await indexCorpus(search)
  const before = await search.stats()
  const [gpxdDf] = await store.documentFrequencies(['gpxd'])
  const d00 = (await store.documents()).get('d00')!
  t.equal(await search.removeDocument('d00'), true)
  t.equal(await search.removeDocument('d00'), false)
  t.equal(await search.removeDocument('never'), false)
  t.equal((await search.search('1470')).total, 0)
  t.same(await store.documentFrequencies(['gpxd', '1470']), [gpxdDf - 1, 0])
  const after = await search.stats()
  t.equal(after.documents, before.documents - 1)
  t.equal(after.totalLength, before.totalLength - d00.length)
  t.ok(after.terms < before.terms, 'terms only d00 had left the vocabulary')
  t.same((await store.audit()).problems, [])
  t.same(await store.texts(['d00']), [undefined])
})

t.test('the index survives closing and reopening the database', async t => {
  const first = await openIndex(t)
  await indexCorpus(first.search)
  await first.search.removeDocument('d05')
  const stats = await first.search.stats()
  const results = await first.search.search('"giấy chứng nhận" hộ kinh doanh', { limit: 50 })
  t.ok(results.total > 0)
  await first.close()
  const again = await openIndex(t, first.dir)
  t.same(await again.search.stats(), stats)
  t.same(await again.search.search('"giấy chứng nhận" hộ kinh doanh', { limit: 50 }), results)
  t.same(await again.search.search('', { units: ['hkd'] }).then(r => r.total), 5)
  t.same((await again.store.audit()).problems, [])
})

t.test('concurrent index and remove calls keep statistics and df exact', async t => {
  const { store, search } = await openIndex(t)
  const texts = ['Ủy ban nhân dân huyện Ia Grai', 'Giấy phép xây dựng nhà ở riêng lẻ', 'Quyết định thu hồi đất, huyện Chư Sê', 'Trích lục khai sinh bản sao']
  const calls: Array<Promise<unknown>> = []
  for (let i = 0; i < 120; i++) {
    const id = `r${i % 10}`
    calls.push(i % 7 === 3 ? search.removeDocument(id) : search.indexDocument(id, { text: `${texts[i % 4]} ${i}`, attrs: { unit: String(i % 3) } }))
  }
  await Promise.all(calls)
  const { derived, problems } = await store.audit()
  t.same(problems, [])
  const stats = await search.stats()
  t.equal(stats.documents, derived.documents)
  t.equal(stats.totalLength, derived.totalLength)
  t.equal(stats.terms, derived.terms)
  // Calls on one id apply in call order, so the last call per id decides whether it is indexed.
  const expected = new Set<string>()
  for (let i = 0; i < 120; i++) { const id = `r${i % 10}`; if (i % 7 === 3) expected.delete(id); else expected.add(id) }
  t.same([...(await store.documents()).keys()].sort(), [...expected].sort())
})

t.test('clear empties the index, also on disk', async t => {
  const first = await openIndex(t)
  await indexCorpus(first.search)
  await first.search.clear()
  t.same(await first.search.stats(), { documents: 0, totalLength: 0, terms: 0, averageLength: 0 })
  t.equal((await first.search.search('ủy ban')).total, 0)
  await first.search.indexDocument('x', { text: 'xã Dun' })
  await first.close()
  const again = await openIndex(t, first.dir)
  t.same(await again.search.stats(), { documents: 1, totalLength: 2, terms: 2, averageLength: 2 })
  t.same((await again.store.audit()).problems, [])
})

t.test('all keys stay inside the index sublevel; a newer layout is refused', async t => {
  const first = await openIndex(t)
  await first.db.put('other', 1)
  await indexCorpus(first.search)
  const outside: string[] = []
  for await (const key of first.db.keys()) if (key !== 'other' && !key.startsWith('!index!') && !key.startsWith('!searchseg!')) outside.push(key)
  t.same(outside, [])
  await first.search.clear()
  t.equal(await first.db.get('other'), 1, 'clear touches only the index')
  await first.db.sublevel<string, any>('index', { valueEncoding: 'json' }).put('layout', 99)
  await first.close()
  const again = await openIndex(t, first.dir)
  await t.rejects(again.search.search('x'), { code: 'CONFIG_INVALID' })
})

t.test('a failed write reports STORAGE_FAILED and changes nothing', async t => {
  const { db, search, store } = await openIndex(t)
  await search.indexDocument('a', { text: 'thôn Hòa Bình' })
  const stats = await search.stats()
  await db.close()
  await t.rejects(search.indexDocument('b', { text: 'xã Dun' }), { code: 'STORAGE_FAILED' })
  await t.rejects(search.removeDocument('a'), { code: 'STORAGE_FAILED' })
  t.same(await search.stats(), stats)
  t.same([...(await store.docTable()).byId.keys()], ['a'])
})

t.test('segments, merges and tombstones answer exactly as the memtable alone', async t => {
  // Freezing every 3 documents makes 8 segments from the corpus, which merge into one (MERGE_FACTOR 8).
  const small = await openIndex(t, undefined, { freezeDocs: 3 })
  const whole = await openIndex(t, undefined, { freezeDocs: 1_000_000 })
  const docs = await indexCorpus(small.search)
  await indexCorpus(whole.search)
  await small.store.settle()
  t.ok(small.store.segmentCount >= 1 && small.store.segmentCount < 8, `${small.store.segmentCount} segments after merging`)
  // Changes that land in frozen segments (tombstones) and in the memtable.
  for (const s of [small.search, whole.search]) {
    await s.removeDocument('d03')
    await s.indexDocument('d05', { text: docs[7].text + ' thêm chữ', attrs: { unit: 'moved', createdAt: '2024-02-01T00:00:00Z' }, fields: { documentNumber: '77/QĐ-UBND', subjectId: '064090001234' } })
    await s.indexDocument('n1', { text: 'Ủy ban nhân dân huyện Ia Grai cấp giấy phép', attrs: { unit: 'hkd', subjectId: ['064090001234', '064090009999'] } })
  }
  await small.store.settle()
  const queries = ['ủy ban nhân dân', 'huyện gia lai', '"giấy phép xây dựng"', 'quang', 'thửa đất', 'thêm chữ', '1470/GPXD-UBND', '']
  const same = async (label: string, a: typeof small.search, b: typeof whole.search): Promise<void> => {
    for (const q of queries) {
      for (const options of [{ limit: 100 }, { units: ['hkd', 'moved'], facets: true }]) {
        const x = await a.search(q, options)
        const y = await b.search(q, options)
        // Scores differ in the last digits: df of frozen segments still counts their dead documents.
        t.same(x.results.map(r => r.recordId).sort(), y.results.map(r => r.recordId).sort(), `${label}: ${q} ${JSON.stringify(options)}`)
        t.equal(x.total, y.total)
        t.same(x.facets, y.facets)
      }
    }
    for (const key of [{ documentNumber: '77/qd-ubnd' }, { subjectId: '064090001234' }, { subjectId: '064 090 009 999' }]) {
      t.same((await a.search('', key)).results.map(r => r.recordId), (await b.search('', key)).results.map(r => r.recordId), JSON.stringify(key))
    }
  }
  await same('live', small.search, whole.search)
  t.same((await small.search.search('', { subjectId: '064090001234' })).results.map(r => r.recordId).sort(), ['d05', 'n1'], 'any of a list of IDs')
  t.equal((await small.search.search('1470')).total, (await whole.search.search('1470')).total)
  t.same((await small.store.audit()).problems, [])
  const stats = await small.search.stats()
  await small.close()
  const again = await openIndex(t, small.dir, { freezeDocs: 3 })
  t.same((await again.search.stats()).documents, stats.documents)
  await same('reopened', again.search, whole.search)
  t.same((await again.store.audit()).problems, [])
})
