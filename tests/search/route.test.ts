/**
 * `GET /api/v1/search` on the real node's API (offline node: real store in a temp dir, no login): the query
 * parameters for filters, exact lookups and facets, their JSON schema (bad values are a 400 before any search),
 * and the fields summary in each result.
 */
import t from 'tap'
import { loadConfig } from '../../appliance/src/config/index.js'
import { createLogger } from '../../appliance/src/log/index.js'
import { openNode, type NodeHandle } from '../../appliance/src/node.js'
import { tempDir } from '../helpers/tmp.js'

async function openApi (t: Parameters<typeof tempDir>[0]): Promise<NodeHandle> {
  const dataDir = await tempDir(t)
  const node = await openNode(loadConfig({ env: {}, overrides: { dataDir, logLevel: 'silent' } }), createLogger('silent'), 'offline')
  t.teardown(() => node.stop())
  const { search } = node.services
  await search.indexDocument('r_1', {
    text: 'Giấy phép xây dựng nhà ở riêng lẻ, thôn Hòa Bình',
    attrs: { unit: '622', status: 'draft', validity: 'valid', createdAt: '2024-03-01T08:00:00Z' },
    fields: { documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: '1470/GPXD-UBND', issuedDate: '2018-02-24', issuer: 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI', subjectId: '064123456789' }
  })
  await search.indexDocument('r_2', {
    text: 'Quyết định thu hồi đất, thôn Hòa Bình',
    attrs: { unit: '628', status: 'approved', validity: 'expired', createdAt: '2024-03-02T08:00:00Z' },
    fields: { documentType: 'GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở', documentNumber: '1696/QĐ-UBND', issuedDate: '2015-12-26' }
  })
  await search.indexDocument('r_3', { text: 'Trang chưa đọc được, thôn Hòa Bình', attrs: { unit: '622', status: 'draft', validity: 'valid', createdAt: '2024-03-03T08:00:00Z' } })
  return node
}

async function get (node: NodeHandle, query: Record<string, string | string[]>): Promise<{ status: number, body: any }> {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one)
  const res = await node.api.inject({ method: 'GET', url: `/api/v1/search?${params.toString()}` })
  return { status: res.statusCode, body: res.json() }
}

const ids = (body: any): string[] => body.results.map((r: any) => r.recordId)

t.test('filters, lookups and facets as query parameters', async t => {
  const node = await openApi(t)
  const listed = await get(node, {})
  t.equal(listed.status, 200)
  t.same(ids(listed.body), ['r_3', 'r_2', 'r_1'], 'no query: newest first')
  t.same(listed.body.results[2].fields, { documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: '1470/GPXD-UBND', issuedDate: '2018-02-24', issuer: 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI' })
  t.same(listed.body.results[0].fields, {})
  t.equal(listed.body.facets, undefined)

  t.same(ids((await get(node, { documentNumber: '1470 / gpxd-ubnd' })).body), ['r_1'])
  t.match((await get(node, { subjectId: '064 123 456 789' })).body, { error: 'PURPOSE_REQUIRED' }, 'a search by personal ID says why (issue 15)')
  t.same(ids((await get(node, { subjectId: '064 123 456 789', purpose: 'Kiểm tra hồ sơ' })).body), ['r_1'])
  t.same(ids((await get(node, { q: 'thôn hòa bình', status: 'approved,archived' })).body), ['r_2'])
  t.same(ids((await get(node, { validity: 'valid', unit: '622' })).body), ['r_3', 'r_1'])
  t.same(ids((await get(node, { issuedFrom: '2016', issuedTo: '2018-02' })).body), ['r_1'])
  t.same(ids((await get(node, { documentType: 'giấy phép xây dựng' })).body), ['r_1'], 'one type')
  const withComma = 'GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở'
  t.same(ids((await get(node, { documentType: [withComma, 'GIẤY PHÉP XÂY DỰNG'] })).body).sort(), ['r_1', 'r_2'], 'repeated, a comma inside a type')

  const faceted = await get(node, { q: 'hoa binh', facets: 'true', limit: '1' })
  t.equal(faceted.status, 200)
  t.equal(faceted.body.total, 3)
  t.equal(faceted.body.results.length, 1)
  t.same(faceted.body.facets.unit, [{ value: '622', count: 2 }, { value: '628', count: 1 }])
  t.same(faceted.body.facets.issuedYear, [{ value: '2015', count: 1 }, { value: '2018', count: 1 }])
  t.same(faceted.body.facets.validity, [{ value: 'valid', count: 2 }, { value: 'expired', count: 1 }])
  t.same(Object.keys(faceted.body.facets), ['unit', 'documentType', 'status', 'validity', 'issuedYear', 'replica'])

  const byField = await get(node, { q: 'ia grai' })
  t.same(ids(byField.body), ['r_1'])
  t.same(byField.body.results[0].matchedFields, ['issuer'])
  t.notOk(JSON.stringify((await get(node, { subjectId: '064123456789', purpose: 'Kiểm tra hồ sơ' })).body).includes('064123456789'), 'the ID is never echoed')
})

t.test('bad parameters are refused by the schema', async t => {
  const node = await openApi(t)
  const bad: Array<Record<string, string>> = [
    { status: 'pending' }, { status: 'draft,' }, { validity: 'void' }, { issuedFrom: '2018-13' }, { issuedTo: '24/02/2018' },
    { subjectId: '064-123' }, { documentNumber: '' }, { facets: 'maybe' }, { documentType: '' }, { limit: '0' }
  ]
  for (const query of bad) {
    const res = await get(node, query)
    t.equal(res.status, 400, JSON.stringify(query))
    t.equal(res.body.error, 'VALIDATION')
  }
})
