/**
 * Records as the lead indexes them (`{ text, attrs, fields }`): exact lookups by document number and personal ID,
 * filters on unit, document type, issue date range, status and validity, facet counts over the whole result set,
 * and the attribute checks at indexing. Real LevelDB in a temp dir.
 */
import t from 'tap'
import type { SearchFields, SearchService } from '../../appliance/src/search/index.js'
import { openIndex } from './setup.js'

const ids = (r: { results: Array<{ recordId: string }> }): string[] => r.results.map(x => x.recordId)
const sorted = (r: { results: Array<{ recordId: string }> }): string[] => ids(r).sort()

interface Rec { id: string, unit: string, status: string, validity: string, createdAt: string, text: string, fields: SearchFields }

const RECORDS: Rec[] = [
  { id: 'r1', unit: '622', status: 'draft', validity: 'valid', createdAt: '2024-03-01T08:00:00Z', text: 'Giấy phép xây dựng nhà ở riêng lẻ, thôn Hòa Bình',
    fields: { documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: '1470/GPXD-UBND', issuedDate: '2018-02-24', issuer: 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI', subjectId: '064123456789', subjectName: 'Nguyễn Hồng Quang' } },
  { id: 'r2', unit: '622', status: 'approved', validity: 'valid', createdAt: '2024-03-02T08:00:00Z', text: 'Quyết định thu hồi đất tại xã Ia Dêr',
    fields: { documentType: 'QUYẾT ĐỊNH', documentNumber: '1696/QĐ-UBND', issuedDate: '2015-12-26', issuer: 'ỦY BAN NHÂN DÂN HUYỆN KRÔNG PA', subjectId: '064098765432' } },
  { id: 'r3', unit: '628', status: 'archived', validity: 'expired', createdAt: '2024-03-03T08:00:00Z', text: 'Quyết định thu hồi đất, thôn Hòa Bình',
    fields: { documentType: 'Quyết định', documentNumber: '12/QĐ-UBND', issuedDate: '2018-12-31', issuer: 'ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ' } },
  { id: 'r4', unit: '628', status: 'approved', validity: 'revoked', createdAt: '2024-03-04T08:00:00Z', text: 'Giấy chứng nhận đăng ký hộ kinh doanh',
    fields: { documentType: 'GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH', documentNumber: '39A8001234', issuedDate: '2019-01-01', subjectId: '064123456789' } },
  { id: 'r5', unit: '622', status: 'draft', validity: 'valid', createdAt: '2024-03-05T08:00:00Z', text: 'Trang chưa đọc được trường nào, thôn Hòa Bình', fields: {} }
]

async function indexRecords (search: SearchService): Promise<void> {
  for (const r of RECORDS) {
    await search.indexDocument(r.id, { text: r.text, attrs: { unit: r.unit, status: r.status, validity: r.validity, createdAt: r.createdAt, batchId: 'b_x' }, fields: r.fields })
  }
}

t.test('exact lookup by document number: case, spaces, dash variants and Đ/D do not matter; parts do', async t => {
  const { search } = await openIndex(t)
  await indexRecords(search)
  for (const typed of ['1470/GPXD-UBND', '1470 / gpxd - ubnd', '1470/GPXD\u2013UBND', ' 1470/gpxd-UBND ']) {
    t.same(ids(await search.search('', { documentNumber: typed })), ['r1'], typed)
  }
  for (const typed of ['1696/QĐ-UBND', '1696/QD-UBND', '1696/qđ-ubnd']) t.same(ids(await search.search('', { documentNumber: typed })), ['r2'], typed)
  for (const typed of ['1470', '1470/GPXD', '147/GPXD-UBND', '1470/GPXD-UBND-2', '', '  ']) {
    t.equal((await search.search('', { documentNumber: typed })).total, 0, `not "${typed}"`)
  }
  t.same(ids(await search.search('ho gia dinh', { documentNumber: '1470/GPXD-UBND' })), [], 'with a query, both must hold')
  t.same(ids(await search.search('hoa binh', { documentNumber: '1470/gpxd-ubnd' })), ['r1'])
  // The lead's normalised attribute alone (no field) works the same, and shows as given.
  await search.indexDocument('r6', { text: 'x', attrs: { unit: '622', documentNumber: '25/QĐ-UBND' } })
  const r6 = await search.search('', { documentNumber: '25/qd-ubnd' })
  t.same(ids(r6), ['r6'])
  t.equal(r6.results[0].fields.documentNumber, '25/QĐ-UBND')
})

t.test('exact lookup by personal ID: digits only', async t => {
  const { search } = await openIndex(t)
  await indexRecords(search)
  t.same(sorted(await search.search('', { subjectId: '064123456789' })), ['r1', 'r4'])
  t.same(sorted(await search.search('', { subjectId: '064 123 456 789' })), ['r1', 'r4'])
  t.same(sorted(await search.search('', { subjectId: '064.123.456.789' })), ['r1', 'r4'])
  t.equal((await search.search('', { subjectId: '0641234567' })).total, 0, 'a part is not the number')
  t.equal((await search.search('', { subjectId: 'abc' })).total, 0, 'no digits, no match')
  t.same(ids(await search.search('giay phep', { subjectId: '064123456789' })), ['r1'])
})

t.test('filters: unit, document type, issue dates, status, validity, and all together', async t => {
  const { search } = await openIndex(t)
  await indexRecords(search)
  t.same(sorted(await search.search('', { units: ['628'] })), ['r3', 'r4'])
  t.same(sorted(await search.search('', { documentTypes: ['QUYẾT ĐỊNH'] })), ['r2', 'r3'], 'the printed type, whatever its case')
  t.same(sorted(await search.search('', { documentTypes: ['quyet dinh'] })), ['r2', 'r3'], 'or typed without accents')
  t.same(sorted(await search.search('', { documentTypes: ['Quyết định', 'giấy phép  xây dựng'] })), ['r1', 'r2', 'r3'])
  t.equal((await search.search('', { documentTypes: ['QUYẾT'] })).total, 0, 'a type is matched whole')
  t.same(sorted(await search.search('', { issuedFrom: '2018-02-24', issuedTo: '2018-12-31' })), ['r1', 'r3'], 'both ends included')
  t.same(sorted(await search.search('', { issuedFrom: '2018' })), ['r1', 'r3', 'r4'])
  t.same(sorted(await search.search('', { issuedTo: '2018' })), ['r1', 'r2', 'r3'], 'a year up to its last day')
  t.same(sorted(await search.search('', { issuedFrom: '2018-12', issuedTo: '2019-01' })), ['r3', 'r4'])
  t.same(sorted(await search.search('', { issuedTo: '2018-02' })), ['r1', 'r2'])
  t.same(sorted(await search.search('', { statuses: ['approved', 'archived'] })), ['r2', 'r3', 'r4'])
  t.same(sorted(await search.search('', { validity: ['expired', 'revoked'] })), ['r3', 'r4'])
  t.same(sorted(await search.search('', { validity: ['valid'] })), ['r1', 'r2', 'r5'])
  t.same(ids(await search.search('thu hồi đất', { units: ['628'], documentTypes: ['QUYẾT ĐỊNH'], issuedFrom: '2018', statuses: ['archived'], validity: ['expired'] })), ['r3'])
  t.equal((await search.search('thu hồi đất', { units: ['628'], statuses: ['draft'] })).total, 0)
  t.equal((await search.search('', { statuses: [] })).total, 0, 'an empty list matches nothing')
  // Listing stays newest first under filters.
  t.same(ids(await search.search('', { units: ['622'] })), ['r5', 'r2', 'r1'])
  t.same(ids(await search.search('hoa binh')).length, 3)
})

t.test('filter values out of their domain are refused', async t => {
  const { search } = await openIndex(t)
  await indexRecords(search)
  await t.rejects(search.search('', { statuses: ['pending' as any] }), { code: 'VALIDATION', details: { field: 'statuses' } })
  await t.rejects(search.search('', { validity: ['void' as any] }), { code: 'VALIDATION', details: { field: 'validity' } })
  for (const bad of ['2018-13', '18-02-2018', '2018-02-30x', '24/02/2018']) {
    await t.rejects(search.search('', { issuedFrom: bad }), { code: 'VALIDATION', details: { field: 'issuedFrom' } }, bad)
  }
  await t.rejects(search.search('', { documentTypes: 'QUYẾT ĐỊNH' as any }), { code: 'VALIDATION' })
})

t.test('facets count every matching document, not only the page', async t => {
  const { search } = await openIndex(t)
  await indexRecords(search)
  const all = await search.search('', { facets: true, limit: 1 })
  t.equal(all.results.length, 1)
  t.equal(all.total, 5)
  t.same(all.facets, {
    unit: [{ value: '622', count: 3 }, { value: '628', count: 2 }],
    documentType: [
      { value: 'GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH', count: 1 }, { value: 'GIẤY PHÉP XÂY DỰNG', count: 1 },
      { value: 'QUYẾT ĐỊNH', count: 1 }, { value: 'Quyết định', count: 1 }
    ],
    status: [{ value: 'approved', count: 2 }, { value: 'draft', count: 2 }, { value: 'archived', count: 1 }],
    validity: [{ value: 'valid', count: 3 }, { value: 'expired', count: 1 }, { value: 'revoked', count: 1 }],
    issuedYear: [{ value: '2018', count: 2 }, { value: '2015', count: 1 }, { value: '2019', count: 1 }],
    replica: []
  })
  const q = await search.search('thôn hòa bình', { facets: true, limit: 1 })
  t.equal(q.total, 3)
  t.same(q.facets?.unit, [{ value: '622', count: 2 }, { value: '628', count: 1 }])
  t.same(q.facets?.issuedYear, [{ value: '2018', count: 2 }], 'r5 has no date: not counted')
  const filtered = await search.search('', { facets: true, units: ['628'] })
  t.same(filtered.facets?.status, [{ value: 'approved', count: 1 }, { value: 'archived', count: 1 }])
  t.equal((await search.search('', {})).facets, undefined, 'only when asked')
  t.same((await search.search('khongcotu', { facets: true })).facets, { unit: [], documentType: [], status: [], validity: [], issuedYear: [], replica: [] })
})

t.test('attributes are checked and completed from the fields when indexed', async t => {
  const { search } = await openIndex(t)
  await t.rejects(search.indexDocument('a', { text: 'x', attrs: { status: 'pending' } }), { code: 'VALIDATION', details: { field: 'attrs.status' } })
  await t.rejects(search.indexDocument('a', { text: 'x', attrs: { validity: 'gone' } }), { code: 'VALIDATION', details: { field: 'attrs.validity' } })
  await t.rejects(search.indexDocument('a', { text: 'x', fields: { issuedDate: '24/02/2018' } }), { code: 'VALIDATION', details: { field: 'attrs.issuedDate' } })
  await t.rejects(search.indexDocument('a', { text: 'x', attrs: { issuedDate: '2018-02-30T00:00' } }), { code: 'VALIDATION' })
  await t.rejects(search.indexDocument('a', { text: 'x', attrs: { documentType: 5 } }), { code: 'VALIDATION' })
  t.equal((await search.stats()).documents, 0)
  // An attribute given wins over the field for filters; the field fills what is missing.
  await search.indexDocument('b', { text: 'x', attrs: { documentType: 'QUYẾT ĐỊNH' }, fields: { documentType: 'QUYET DINH', issuedDate: '2020-05-06', issuer: ' UBND  xã ' } })
  const hit = (await search.search('', { issuedFrom: '2020', issuedTo: '2020' })).results[0]
  t.same(hit.fields, { documentType: 'QUYẾT ĐỊNH', issuedDate: '2020-05-06', issuer: 'UBND xã' })
})

t.test('province: documents keyed by (replica, record) never overwrite each other; district filter and facet', async t => {
  const { search } = await openIndex(t)
  // Two districts whose records happen to share an id, as a hostile or careless district could make them.
  await search.indexDocument('12D3KooWA/r_1', { text: 'Giấy phép xây dựng Ia Grai', attrs: { unit: '622', replica: '12D3KooWA', recordId: 'r_1' } })
  await search.indexDocument('12D3KooWB/r_1', { text: 'Giấy phép xây dựng Chư Sê', attrs: { unit: '628', replica: '12D3KooWB', recordId: 'r_1' } })
  await search.indexDocument('r_own', { text: 'Giấy phép xây dựng của tỉnh', attrs: { unit: '64' } })
  const all = await search.search('giấy phép', { facets: true, limit: 10 })
  t.equal(all.total, 3)
  t.same(all.results.map(r => [r.recordId, r.replica ?? null]).sort(), [['r_1', '12D3KooWA'], ['r_1', '12D3KooWB'], ['r_own', null]])
  t.same(all.facets?.replica, [{ value: '12D3KooWA', count: 1 }, { value: '12D3KooWB', count: 1 }])
  const b = await search.search('giấy phép', { replicas: ['12D3KooWB'] })
  t.same(b.results.map(r => [r.recordId, r.replica]), [['r_1', '12D3KooWB']])
  t.equal((await search.search('ia grai', { replicas: ['12D3KooWB'] })).total, 0)
  t.equal((await search.search('', { replicas: [] })).total, 0, 'an empty list matches nothing')
})
