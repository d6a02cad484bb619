import t from 'tap'
import { foldVietnamese } from '../../appliance/src/search/index.js'
import { BM25_B, BM25_K1 } from '../../appliance/src/search/rank.js'
import { indexCorpus, openIndex } from './setup.js'

const ids = (r: { results: Array<{ recordId: string }> }): string[] => r.results.map(x => x.recordId)

t.test('accent- and case-insensitive AND search over the corpus', async t => {
  const { search } = await openIndex(t)
  const docs = await indexCorpus(search)
  // Expected: the documents whose folded words include all three, anywhere.
  const withAll = docs.flatMap((d, i) => {
    const words = new Set(foldVietnamese(d.text).split(/[^a-z0-9]+/))
    return ['nguyen', 'hong', 'quang'].every(w => words.has(w)) ? [`d${String(i).padStart(2, '0')}`] : []
  })
  t.ok(withAll.length > 1 && withAll.includes('d00'))
  const r = await search.search('nguyen hong quang')
  t.same(ids(r).sort(), withAll)
  t.equal(r.total, withAll.length)
  t.same(ids(await search.search('NGUYỄN HỒNG QUANG'.normalize('NFD'))), ids(r))
  t.same(ids(await search.search('"nguyễn hồng quang"')), ['d00'], 'as a phrase, only the exact name')
  // "Quang" alone is in several documents; adding a word narrows.
  const quang = docs.filter(d => /quang/i.test(d.text)).length
  t.equal((await search.search('quang')).total, quang)
  t.ok(quang > 1)
  t.equal((await search.search('quang khongcotu')).total, 0, 'one missing word and nothing matches')
  t.equal((await search.search('ksor xuan binh')).total, docs.filter(d => d.text.includes('Ksor Xuân Bình')).length)
})

t.test('document numbers by whole, by number, by code; dates; Đ in codes', async t => {
  const { search } = await openIndex(t)
  const docs = await indexCorpus(search)
  t.same(ids(await search.search('1470/GPXD-UBND')), ['d00'])
  t.same(ids(await search.search('1470')), ['d00'])
  t.equal((await search.search('gpxd')).total, docs.filter(d => d.template === 'gpxd').length)
  t.same(ids(await search.search('1696/QD-UBND')), ['d03'], 'QĐ is found as QD')
  t.same(ids(await search.search('1696/QĐ-UBND')), ['d03'])
  t.equal((await search.search('1470/QĐ-UBND')).total, 0, 'the parts must be consecutive')
  t.same(ids(await search.search('18/04/2013')), ['d02'])
  t.same(ids(await search.search('18/4/2013')), ['d02'], 'numbers compare by value')
  t.equal((await search.search('04/18/2013')).total, 0)
})

t.test('phrases need consecutive words; bare words do not', async t => {
  const { search } = await openIndex(t)
  await search.indexDocument('x', { text: 'Địa chỉ: thôn Hòa Bình, xã Dun, huyện Ia Grai' })
  await search.indexDocument('y', { text: 'Hòa thuận, xã Bình Giáo, huyện Chư Prông' })
  t.same(ids(await search.search('hoa binh')).sort(), ['x', 'y'])
  t.same(ids(await search.search('"hoa binh"')), ['x'])
  t.same(ids(await search.search('"binh hoa"')), [], 'order matters')
  t.same(ids(await search.search('"xã Dun" "ia grai"')), ['x'])
  t.same(ids(await search.search('"xã Dun" "grai ia"')), [])
})

t.test('BM25: more occurrences or a shorter document ranks higher, with the textbook score', async t => {
  const { search } = await openIndex(t)
  const filler = (n: number): string => Array.from({ length: n }, (_, i) => `từ${i}`).join(' ')
  // Same length (20 tokens): 3 vs 1 occurrence. Shorter: 1 occurrence in 8 tokens.
  await search.indexDocument('many', { text: `thu hồi thu hồi thu hồi ${filler(14)}` })
  await search.indexDocument('once', { text: `thu hồi ${filler(18)}` })
  await search.indexDocument('short', { text: `thu hồi ${filler(6)}` })
  for (let i = 0; i < 5; i++) await search.indexDocument(`other${i}`, { text: `giấy phép xây dựng ${filler(16)}` })
  const r = await search.search('hồi')
  t.same(ids(r), ['many', 'short', 'once'])
  t.same(ids(await search.search('thu hồi')), ['many', 'short', 'once'])
  // Recompute 'once' by hand: N = 8, df = 3, tf = 1, |d| = 20, avgdl = (20 + 20 + 8 + 5 * 20) / 8.
  const N = 8; const df = 3; const avgdl = (20 + 20 + 8 + 100) / 8
  const idfByHand = Math.log(1 + (N - df + 0.5) / (df + 0.5))
  const byHand = idfByHand * (1 * (BM25_K1 + 1)) / (1 + BM25_K1 * (1 - BM25_B + BM25_B * 20 / avgdl))
  t.ok(Math.abs(r.results[2].score - byHand) < 1e-9, `score ${r.results[2].score} = ${byHand}`)
  t.ok(r.results[0].score > r.results[1].score && r.results[1].score > r.results[2].score)
  // A rarer term weighs more: 'giấy' is in 5 of 8 documents, 'hồi' in 3.
  await search.indexDocument('mixed', { text: `thu hồi giấy ${filler(17)}` })
  const rare = await search.search('hồi')
  const common = await search.search('giấy')
  t.ok(rare.results.find(x => x.recordId === 'mixed')!.score > common.results.find(x => x.recordId === 'mixed')!.score)
})

t.test('words typed together rank the documents where they stand together first', async t => {
  const { search } = await openIndex(t)
  await indexCorpus(search)
  // Every syllable of the name is common; only d00 has them side by side.
  const r = await search.search('nguyen hong quang')
  t.equal(r.results[0].recordId, 'd00')
  const scattered = await search.search('quang hong nguyen')
  t.ok(scattered.results[0].score < r.results[0].score, 'in another order the bonus is gone')
  // Against a document holding the words more often but apart, with the same length.
  await search.indexDocument('apart', { text: 'Văn bản của ông An, lưu tại văn phòng; An nộp văn bản sao' })
  await search.indexDocument('together', { text: 'Cấp cho ông Nguyễn Văn An, thôn Hòa Bình, xã Dun, huyện Ia Grai' })
  t.same(ids(await search.search('van an', { limit: 2 })), ['together', 'apart'])
})

t.test('filters: units, other attributes, ranges; an empty unit list matches nothing', async t => {
  const { search } = await openIndex(t)
  const docs = await indexCorpus(search)
  const count = (tpl: string[]): number => docs.filter(d => tpl.includes(d.template)).length
  t.equal((await search.search('ủy ban nhân dân')).total, docs.length)
  const gpxd = await search.search('ủy ban nhân dân', { units: ['gpxd'] })
  t.equal(gpxd.total, count(['gpxd']))
  t.ok(gpxd.results.every(r => docs[Number(r.recordId.slice(1))].template === 'gpxd'))
  t.equal((await search.search('ủy ban', { units: ['gpxd', 'hkd'] })).total, count(['gpxd', 'hkd']))
  t.equal((await search.search('ủy ban', { units: [] })).total, 0)
  t.equal((await search.search('ủy ban', { units: ['nope'] })).total, 0)
  t.equal((await search.search('gpxd', { units: ['hkd'] })).total, 0)
  const recent = await search.search('ủy ban', { filters: { createdAt: { gte: '2024-01-20' } } })
  t.same(ids(recent).sort(), ['d19', 'd20', 'd21', 'd22', 'd23'])
  t.same(ids(await search.search('ủy ban', { units: ['hkd'], filters: { createdAt: { lte: '2024-01-06T23:59:59Z' } } })).sort(), ['d01', 'd05'])
})

t.test('a selective filter starts from its documents and still ranks by the whole corpus', async t => {
  const { search } = await openIndex(t)
  for (let i = 0; i < 60; i++) {
    await search.indexDocument(`big${String(i).padStart(2, '0')}`, { text: `Ủy ban nhân dân xã Ia Dêr, hồ sơ ${i}`, attrs: { unit: 'big' } })
  }
  await search.indexDocument('small1', { text: 'Ủy ban nhân dân xã Ia Dêr, Ủy ban', attrs: { unit: 'small' } })
  await search.indexDocument('small2', { text: 'Ủy ban nhân dân xã Ia Dêr', attrs: { unit: 'small' } })
  const r = await search.search('uy ban ia der', { units: ['small'] })
  t.same(ids(r), ['small1', 'small2'])
  const all = await search.search('uy ban ia der', { limit: 100 })
  t.equal(all.total, 62)
  t.equal(all.results.find(x => x.recordId === 'small1')!.score, r.results[0].score, 'same score with or without the filter')
})

t.test('paging covers every result once, in score order', async t => {
  const { search } = await openIndex(t)
  const docs = await indexCorpus(search)
  const full = await search.search('huyện tỉnh gia lai', { limit: 100 })
  t.equal(full.total, docs.filter(d => /tỉnh Gia Lai/.test(d.text)).length)
  const seen: string[] = []
  for (let offset = 0; offset < full.total; offset += 5) {
    const page = await search.search('huyện tỉnh gia lai', { limit: 5, offset })
    t.equal(page.total, full.total)
    t.ok(page.results.length <= 5)
    seen.push(...ids(page))
  }
  t.same(seen, ids(full))
  for (let i = 1; i < full.results.length; i++) t.ok(full.results[i - 1].score >= full.results[i].score)
  const beyond = await search.search('huyện tỉnh gia lai', { limit: 5, offset: 1000 })
  t.same(beyond, { total: full.total, results: [] })
})

t.test('an empty query lists by recency within the filters; punctuation matches nothing', async t => {
  const { search } = await openIndex(t)
  await indexCorpus(search)
  const hkd = await search.search('', { units: ['hkd'] })
  t.same(ids(hkd), ['d21', 'd17', 'd13', 'd09', 'd05', 'd01'])
  t.ok(hkd.results.every(r => r.score === 0 && r.snippet.startsWith('ỦY BAN NHÂN DÂN')))
  t.equal((await search.search('   ', { limit: 3 })).total, 24)
  t.same(ids(await search.search('', { limit: 2, offset: 1 })), ['d22', 'd21'])
  t.same(await search.search('/ - ;'), { total: 0, results: [] })
})

t.test('input is checked before anything is written', async t => {
  const { search } = await openIndex(t)
  await t.rejects(search.indexDocument('', { text: 'x' }), { code: 'VALIDATION' })
  await t.rejects(search.indexDocument('a', { text: 5 as any }), { code: 'VALIDATION' })
  await t.rejects(search.indexDocument('a', { text: 'x', attrs: { unit: { nested: true } as any } }), { code: 'VALIDATION' })
  await t.rejects(search.indexDocument('a', { text: 'x', attrs: { n: NaN } }), { code: 'VALIDATION' })
  t.same(await search.stats(), { documents: 0, totalLength: 0, terms: 0, averageLength: 0 })
})

t.test('paging arguments out of range are brought into range', async t => {
  const { search } = await openIndex(t)
  for (let i = 0; i < 25; i++) await search.indexDocument(`r${String(i).padStart(2, '0')}`, { text: `hồ sơ số ${i}` })
  t.equal((await search.search('hồ sơ')).results.length, 20, 'default limit 20')
  t.equal((await search.search('hồ sơ', { limit: 0 })).results.length, 1)
  t.equal((await search.search('hồ sơ', { limit: NaN, offset: NaN })).results.length, 20)
  t.equal((await search.search('hồ sơ', { limit: 5, offset: -3 })).results[0].recordId, (await search.search('hồ sơ', { limit: 1 })).results[0].recordId)
})
