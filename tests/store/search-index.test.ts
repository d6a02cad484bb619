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
  t.same((await new SearchIndexStore(fromRoot).documentFrequencies(['a', 'b', 'c'])), [1, 1, 0], 'same keys either way')
})

t.test('re-indexing the same text leaves the same index and statistics', async t => {
  const { db, store, search } = await openIndex(t)
  await indexCorpus(search)
  const stats = await search.stats()
  const dump = async (): Promise<Array<[string, unknown]>> => {
    const out: Array<[string, unknown]> = []
    for await (const [k, v] of db.iterator()) out.push([k, k.startsWith('!index!doc!') ? { ...v, indexedAt: 0 } : v])
    return out
  }
  const before = await dump()
  const results = await search.search('ủy ban nhân dân huyện', { limit: 100 })
  await indexCorpus(search)
  t.same(await search.stats(), stats)
  t.same(await dump(), before, 'every key and value the same (but the indexing time)')
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
  for await (const key of first.db.keys()) if (key !== 'other' && !key.startsWith('!index!')) outside.push(key)
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
  t.same([...(await store.documents()).keys()], ['a'])
})

t.test('cached posting lists follow every write, also writes racing with queries', async t => {
  // Cache every list (minimum length 1) so the small corpus goes through the cache.
  const { db, search } = await openIndex(t, undefined, { cacheMinList: 1, cachedPostings: 5000 })
  const docs = await indexCorpus(search)
  const queries = ['ủy ban nhân dân', 'huyện gia lai', '"giấy phép xây dựng"', 'quang', 'thửa đất']
  for (const q of queries) await search.search(q, { limit: 100 })
  // Terms first read while writes land: their scans must not be cached if a write slipped in.
  const racing = ['xã', 'tỉnh', 'số', 'thêm', 'ngày tháng năm', 'cấp', 'địa chỉ', 'độc lập', 'việt nam', 'hòa']
  const work: Array<Promise<unknown>> = []
  for (let i = 0; i < 48; i++) {
    const id = `d${String(i % 24).padStart(2, '0')}`
    if (i % 5 === 0) work.push(search.removeDocument(id))
    else work.push(search.indexDocument(id, { text: docs[(i * 7) % 24].text + ` thêm ${i}`, attrs: { unit: docs[(i * 7) % 24].template } }))
    work.push(search.search(queries[i % queries.length], { limit: 100 }))
    if (i < racing.length) work.push(search.search(racing[i], { limit: 100 }))
  }
  await Promise.all(work)
  queries.push(...racing)
  // A second handle on the same sublevel has read nothing yet: it answers from disk.
  const fresh = createSearchIndex(new SearchIndexStore(db.sublevel<string, any>('index', { valueEncoding: 'json' })))
  for (const q of [...queries, 'thêm 47', 'thêm 1']) {
    t.same(await search.search(q, { limit: 100 }), await fresh.search(q, { limit: 100 }), q)
  }
})

t.test('a scan that a write overtakes is not cached', async t => {
  const { db } = await openIndex(t)
  const sub = db.sublevel<string, any>('index', { valueEncoding: 'json' })
  // Holds a scan's result until released, after the write below has landed.
  let hold = false
  let scanStarted = (): void => {}
  const started = new Promise<void>(resolve => { scanStarted = resolve })
  let release = (): void => {}
  const gate = new Promise<void>(resolve => { release = resolve })
  const gated: IndexSublevel = {
    get: async key => await sub.get(key),
    getMany: async keys => await sub.getMany(keys),
    batch: async (ops, options) => { await (options === undefined ? sub.batch(ops) : sub.batch(ops, options as any)) },
    clear: async () => { await sub.clear() },
    iterator: options => {
      const it = sub.iterator(options)
      const held = hold
      if (held) scanStarted()
      return { nextv: async size => { const entries = await it.nextv(size); if (held) await gate; return entries }, close: async () => { await it.close() } }
    }
  }
  const search = createSearchIndex(new SearchIndexStore(gated, { cacheMinList: 1 }))
  await search.indexDocument('a', { text: 'thôn Hòa Bình' })
  hold = true
  const stale = search.search('bình')
  await started
  hold = false
  await search.indexDocument('b', { text: 'xã Bình Giáo' })
  release()
  t.same((await stale).results.map(r => r.recordId), ['a'], 'the held scan saw the index before the write')
  t.same((await search.search('bình')).results.map(r => r.recordId).sort(), ['a', 'b'], 'and was not kept')
})

t.test('the cache keeps to its budget', async t => {
  const { db, store, search } = await openIndex(t, undefined, { cacheMinList: 1, cachedPostings: 30 })
  await indexCorpus(search)
  const fresh = createSearchIndex(new SearchIndexStore(db.sublevel<string, any>('index', { valueEncoding: 'json' }), { cachedPostings: 0 }))
  for (const q of ['ủy ban huyện', 'ủy ban huyện', 'quang', 'gia lai', 'ủy ban huyện']) {
    t.same(await search.search(q, { limit: 100 }), await fresh.search(q, { limit: 100 }), q)
    t.ok(store.cached.postings <= 30, `${store.cached.postings} postings in ${store.cached.terms} lists`)
  }
  t.ok(store.cached.terms > 0, 'something was cached')
  await search.indexDocument('new', { text: 'ủy ban nhân dân huyện Ia Grai' })
  t.ok(store.cached.postings <= 30, 'writes that grow a cached list evict others')
})

t.test('warming up caches the most frequent lists within the budget, answers unchanged', async t => {
  const first = await openIndex(t, undefined, { cacheMinList: 5, cachedPostings: 100 })
  await indexCorpus(first.search)
  const before = await first.search.search('ủy ban nhân dân', { limit: 100 })
  await first.close()
  const again = await openIndex(t, first.dir)
  // Counts the posting scans that reach LevelDB.
  const sub = again.db.sublevel<string, any>('index', { valueEncoding: 'json' })
  let scans = 0
  const counting: IndexSublevel = {
    get: async key => await sub.get(key),
    getMany: async keys => await sub.getMany(keys),
    batch: async ops => { await sub.batch(ops) },
    clear: async () => { await sub.clear() },
    iterator: options => { if (options.gt?.startsWith('post!') === true) scans++; return sub.iterator(options) }
  }
  // Lists of 20 or more postings are worth caching here: the words of the letterhead, in all 24 documents.
  const search = createSearchIndex(new SearchIndexStore(counting, { cacheMinList: 20, cachedPostings: 10_000 }))
  const warmed = await search.warmUp()
  t.ok(warmed.terms >= 10 && warmed.postings === warmed.terms * 24, `${warmed.terms} lists, ${warmed.postings} postings`)
  t.equal(scans, warmed.terms)
  const scansWarming = scans
  const budgeted = createSearchIndex(new SearchIndexStore(sub, { cacheMinList: 20, cachedPostings: 100 }))
  t.ok((await budgeted.warmUp()).postings <= 100, 'no more than the budget')
  t.same(await search.search('ủy ban nhân dân', { limit: 100 }), before)
  t.equal(scans, scansWarming, 'answered from memory')
  await search.search('ksor')
  t.equal(scans, scansWarming + 1, 'a rarer word still reads LevelDB')
})
