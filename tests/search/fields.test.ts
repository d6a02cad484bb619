/**
 * Extracted fields in the index: searched like the text (accents, case, NFD), a match in a field ranks above a
 * match in the text only, phrases stay inside one field, the hit says which fields matched and carries the
 * summary fields. Real LevelDB in a temp dir.
 */
import t from 'tap'
import { FIELD_BASE, FIELD_BONUS } from '../../appliance/src/search/fields.js'
import { BM25_B, BM25_K1, idf } from '../../appliance/src/search/rank.js'
import { openIndex } from './setup.js'

const ids = (r: { results: Array<{ recordId: string }> }): string[] => r.results.map(x => x.recordId)
const filler = (n: number, from = 0): string => Array.from({ length: n }, (_, i) => `từ${i + from}`).join(' ')

t.test('a match in a field ranks above matches in the text only, however many', async t => {
  const { search } = await openIndex(t)
  await search.indexDocument('textOnce', { text: `Cấp cho ông Huỳnh Văn Quang ${filler(20)}` })
  await search.indexDocument('textMany', { text: Array.from({ length: 6 }, () => 'Huỳnh Văn Quang').join(', ') + ` ${filler(6)}` })
  await search.indexDocument('field', { text: `Quyết định thu hồi đất ${filler(20)}`, fields: { subjectName: 'Huỳnh Văn Quang' } })
  await search.indexDocument('both', { text: `Cấp cho ông Huỳnh Văn Quang ${filler(20)}`, fields: { subjectName: 'Huỳnh Văn Quang' } })
  const r = await search.search('huynh van quang')
  t.same(ids(r), ['both', 'field', 'textMany', 'textOnce'])
  t.same(ids(await search.search('quang')), ['both', 'field', 'textMany', 'textOnce'], 'one word too')
  t.same(ids(await search.search('"huỳnh văn quang"')), ['both', 'field', 'textMany', 'textOnce'], 'and as a phrase')
  t.same(r.results.map(h => h.matchedFields), [['subjectName'], ['subjectName'], [], []])
})

t.test('fields are accent-, case- and form-insensitive like the text', async t => {
  const { search } = await openIndex(t)
  await search.indexDocument('a', { text: 'trang một', fields: { documentType: 'QUYẾT ĐỊNH', issuer: 'ỦY BAN NHÂN DÂN HUYỆN KRÔNG PA', summary: 'Về việc thu hồi đất' } })
  await search.indexDocument('b', { text: 'trang hai' })
  t.same(ids(await search.search('quyet dinh')), ['a'])
  t.same(ids(await search.search('KRONG PA'.normalize('NFD'))), ['a'])
  t.same(ids(await search.search('ủy ban nhân dân huyện krông pa'.normalize('NFD'))), ['a'])
  t.same(ids(await search.search('"thu hoi dat"')), ['a'])
  const hit = (await search.search('thu hồi đất trang')).results[0]
  t.same(hit.matchedFields, ['summary'])
  t.equal(hit.snippet, '<mark>trang</mark> một', 'the snippet still shows the text')
})

t.test('phrases stay inside one field and never run into the text or the next field', async t => {
  const { search } = await openIndex(t)
  await search.indexDocument('x', { text: 'Người ký: Ksor Xuân', fields: { signer: 'Bình Nguyễn', signerTitle: 'Phó Chủ tịch' } })
  t.same(ids(await search.search('"ksor xuân"')), ['x'])
  t.same(ids(await search.search('"xuân bình"')), [], 'text then field')
  t.same(ids(await search.search('"nguyễn phó"')), [], 'field then field')
  t.same(ids(await search.search('"phó chủ tịch"')), ['x'])
  t.same((await search.search('"phó chủ tịch" ksor')).results[0].matchedFields, ['signerTitle'])
})

t.test('the score is BM25 over text and field words, plus the field bonus', async t => {
  const { search } = await openIndex(t)
  await search.indexDocument('f', { text: 'alpha beta', fields: { summary: 'gamma delta' } })
  await search.indexDocument('g', { text: 'gamma epsilon zeta eta', fields: {} })
  await search.indexDocument('h', { text: 'theta' })
  // N = 3; lengths 4 (2 text + 2 field), 4, 1; 'gamma' in f (field) and g (text): df = 2.
  const N = 3; const avgdl = (4 + 4 + 1) / 3
  const termIdf = idf(N, 2)
  const plain = termIdf * (1 * (BM25_K1 + 1)) / (1 + BM25_K1 * (1 - BM25_B + BM25_B * 4 / avgdl))
  const r = await search.search('gamma')
  t.same(ids(r), ['f', 'g'])
  t.ok(Math.abs(r.results[1].score - plain) < 1e-9, `text match: textbook BM25 ${plain}`)
  t.ok(Math.abs(r.results[0].score - (plain + FIELD_BONUS * termIdf)) < 1e-9, 'field match: the same plus (k1 + 1) × IDF')
  t.same(await search.stats(), { documents: 3, totalLength: 9, terms: 8, averageLength: 3 })
})

t.test('re-indexing replaces the fields; summary fields come with each hit', async t => {
  const { search, store } = await openIndex(t)
  const fields = { documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: '1470/GPXD-UBND', issuedDate: '2018-02-24', issuer: 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI', subjectId: '064123456789', subjectName: 'Nguyễn Hồng Quang' }
  await search.indexDocument('r1', { text: 'Giấy phép xây dựng nhà ở riêng lẻ', attrs: { unit: '622' }, fields })
  const hit = (await search.search('nguyen hong quang')).results[0]
  t.same(hit.fields, { documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: '1470/GPXD-UBND', issuedDate: '2018-02-24', issuer: 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI' })
  t.notOk(JSON.stringify(hit).includes('064123456789'), 'no personal ID in results')
  t.same((await search.search('')).results[0].fields, hit.fields, 'listing too')
  t.equal((await search.search('')).results[0].matchedFields, undefined)

  // The reviewer corrects the name and removes the number.
  await search.indexDocument('r1', { text: 'Giấy phép xây dựng nhà ở riêng lẻ', attrs: { unit: '622' }, fields: { ...fields, subjectName: 'Nguyễn Hồng Quân', documentNumber: null } })
  t.equal((await search.search('quang')).total, 0)
  t.same(ids(await search.search('nguyen hong quan')), ['r1'])
  t.equal((await search.search('1470')).total, 0)
  t.equal((await search.search('')).results[0].fields.documentNumber, undefined)
  t.same((await store.audit()).problems, [])
  const withoutFields = await search.search('nguyen')
  t.same(withoutFields.results[0].matchedFields, ['subjectName'])
  await search.indexDocument('r1', { text: 'Giấy phép xây dựng' })
  t.equal((await search.search('nguyen')).total, 0)
  t.same((await store.audit()).problems, [])
})

t.test('field positions sit apart from any text', async t => {
  const { search, store } = await openIndex(t)
  await search.indexDocument('p', { text: 'một hai', fields: { documentType: 'ba', summary: 'bốn năm' } })
  const positionsOf = async (term: string): Promise<number[]> => {
    const [parts] = await store.lists([term])
    return (await store.positions(parts[0])).get(0)
  }
  const [position] = await positionsOf('nam')
  t.ok(position >= FIELD_BASE, `field words at ${position}`)
  t.same(await positionsOf('hai'), [1])
})

t.test('fields are checked before anything is written', async t => {
  const { search } = await openIndex(t)
  await t.rejects(search.indexDocument('a', { text: 'x', fields: { nickname: 'An' } as any }), { code: 'VALIDATION', details: { field: 'fields.nickname' } })
  await t.rejects(search.indexDocument('a', { text: 'x', fields: { summary: 5 } as any }), { code: 'VALIDATION' })
  await t.rejects(search.indexDocument('a', { text: 'x', fields: ['summary'] as any }), { code: 'VALIDATION' })
  t.equal((await search.stats()).documents, 0)
  await search.indexDocument('a', { text: 'x', fields: { summary: null, signer: undefined, issuer: '   ' } })
  t.same((await search.search('x')).results[0].fields, {})
})
