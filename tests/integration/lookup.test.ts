// Result lookup through a real appliance: by CCCD (JSON and national forms) only valid archived results come back,
// a revocation through the validity API takes one away at once, scopes keep integration and reading apart, a lookup
// without a purpose is refused and audited, the auditor reads the trail (an operator cannot), the entry is on disk
// when a SIGKILL follows the answer, and no personal ID reaches the appliance's log lines.
import { createHash } from 'node:crypto'
import t from 'tap'
import { Store } from '../../appliance/src/store/index.js'
import { startAppliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { OTHER_PERSON, PERSON, onAppliance, permit, seedArchive, sessionOf, tokenOf } from './lookup-fixture.js'

const PUBLIC_URL = 'https://sohoa.chuse.example.vn'
const PURPOSE = 'Giải quyết hồ sơ cấp phép sửa chữa nhà ở'

t.test('lookups by personal ID, validity, scopes, purpose, audit and logs', async t => {
  const dataDir = await tempDir(t)
  const { records } = await seedArchive(t, dataDir, {
    open: permit({ subjectId: PERSON, documentNumber: '101/GPXD-UBND', validUntil: null }),
    dated: permit({ subjectId: PERSON, documentNumber: '102/GPXD-UBND', validUntil: '2099-12-31' }),
    pastDue: permit({ subjectId: PERSON, documentNumber: '103/GPXD-UBND', validUntil: '2001-01-01' }),
    other: permit({ subjectId: OTHER_PERSON, documentNumber: '104/GPXD-UBND' }),
    toRevoke: permit({ subjectId: PERSON, documentNumber: '105/GPXD-UBND' })
  })
  const env = { SOHOA_PUBLIC_URL: PUBLIC_URL, SOHOA_LINK_TTL_SECONDS: '600' }
  const app = await startAppliance({ dataDir, env })
  t.teardown(() => app.stop())

  const admin = await tokenOf(app.url, 'admin')
  const integration = await tokenOf(app.url, 'integration')
  const read = await tokenOf(app.url, 'read')
  const get = async (path: string, token?: string): Promise<Response> => await fetch(`${app.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  const lookup = async (query: Record<string, string>, token = integration): Promise<Response> => await get(`/api/v1/integration/results?${new URLSearchParams(query).toString()}`, token)
  const national = async (body: unknown, token = integration): Promise<Response> =>
    await fetch(`${app.url}/api/v1/integration/citizen-lookup`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const ids = (results: Array<{ recordId: string }>): string[] => results.map(r => r.recordId).sort()
  const idsOf = (...names: string[]): string[] => names.map(n => records[n].record.id).sort()

  // By CCCD: the valid ones only (not the one past its validUntil, not another person's).
  const started = Date.now()
  let res = await lookup({ subjectId: PERSON, purpose: PURPOSE })
  t.equal(res.status, 200)
  let body = await res.json() as { results: any[] }
  t.same(ids(body.results), idsOf('open', 'dated', 'toRevoke'), 'the person\'s valid results')
  const open = body.results.find(r => r.recordId === records.open.record.id)
  t.match(open, {
    archiveId: `SH-622-${records.open.record.id.slice(2)}`, unit: '622', agencyCode: 'H21.12', documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: '101/GPXD-UBND',
    issuedDate: '2019-05-14', issuer: 'UBND HUYỆN CHƯ SÊ', resultTypeCode: 'KQ.G15.000031', procedureCode: '1.003560', dossierCode: 'H21.12-190514-0001',
    validity: { state: 'valid' }, validUntil: null
  })
  t.notOk('subjectName' in open || 'subjectId' in open, 'the answer does not repeat personal data')
  t.equal(open.files.length, 1)
  t.equal(open.files[0].sha256, records.open.record.pdf!.sha256)
  t.ok(open.files[0].url.startsWith(`${PUBLIC_URL}/api/v1/integration/files/${records.open.record.id}/`), 'links carry the public URL')
  const ttl = (Date.parse(open.files[0].expiresAt) - started) / 1000
  t.ok(ttl > 590 && ttl < 640, `links live SOHOA_LINK_TTL_SECONDS (${ttl.toFixed(0)} s)`)

  const file = await fetch(onAppliance(app.url, open.files[0].url))
  t.equal(file.status, 200, 'the link downloads without a token')
  const bytes = Buffer.from(await file.arrayBuffer())
  t.equal(createHash('sha256').update(bytes).digest('hex'), records.open.record.pdf!.sha256, 'the exact signed PDF')

  t.same(ids((await (await lookup({ documentNumber: '104 / gpxd - ubnd', purpose: PURPOSE })).json() as any).results), [records.other.record.id], 'by document number alone')
  t.equal(((await (await lookup({ subjectId: PERSON, resultTypeCode: 'KQ.G15.000031', purpose: PURPOSE })).json()) as any).results.length, 3)
  t.same(((await (await lookup({ subjectId: PERSON, resultTypeCode: 'KQ.G99.000001', purpose: PURPOSE })).json()) as any).results, [], 'another result type')

  // A reviewer revokes one through the validity API: it is gone from the next lookup, and its link stops working.
  const revokedLink = body.results.find(r => r.recordId === records.toRevoke.record.id).files[0].url
  const revoke = await fetch(`${app.url}/api/v1/records/${records.toRevoke.record.id}/validity`, {
    method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'revoke', reason: 'Thu hồi do cấp sai đối tượng' })
  })
  t.equal(revoke.status, 200)
  body = await (await lookup({ subjectId: PERSON, purpose: PURPOSE })).json() as { results: any[] }
  t.same(ids(body.results), idsOf('open', 'dated'), 'the revoked result is no longer answered')
  t.equal((await fetch(onAppliance(app.url, revokedLink))).status, 404, 'its earlier link: 404')

  // The national form.
  res = await national({ SoDinhDanhChuSoHuu: PERSON, HoTenNguoiYeuCau: 'Trần Văn Bình', SoDinhDanhNguoiYeuCau: '064085000321', KenhThucHien: 1, MaThuTuc: '1.003560', DanhSachDanhMucKetQua: [{ SoKyHieu: '102/GPXD-UBND' }], MucDich: PURPOSE })
  t.equal(res.status, 200)
  const answer = await res.json() as any
  t.match(answer, {
    errorCode: '0',
    result: { DanhSachGiayToKetQua: [{ MaKetQua: 'KQ.G15.000031', TenGiayTo: 'GIẤY PHÉP XÂY DỰNG', SoKyHieu: '102/GPXD-UBND', CoQuanChuQuan: 'UBND HUYỆN CHƯ SÊ', NgayCap: '20190514000000', HieuLucDen: '20991231235959' }] }
  })
  t.equal(answer.result.DanhSachGiayToKetQua.length, 1)
  const [attachment] = answer.result.DanhSachGiayToKetQua[0].DanhSachTepDinhKem
  t.equal(attachment.TenTep, records.dated.record.pdf!.filename)
  const nationalFile = Buffer.from(await (await fetch(onAppliance(app.url, attachment.DuongDan))).arrayBuffer())
  t.same(nationalFile, records.dated.pdf, 'DuongDan downloads the PDF')

  // Refusals: no purpose (both forms), wrong scope both ways, no credentials.
  res = await lookup({ subjectId: PERSON })
  t.equal(res.status, 400)
  t.match(await res.json(), { error: 'PURPOSE_REQUIRED', message: /mục đích/, messageEn: /purpose/ })
  t.equal((await lookup({ subjectId: PERSON, purpose: '   ' })).status, 400, 'a blank purpose is none')
  res = await national({ SoDinhDanhChuSoHuu: PERSON })
  t.equal(res.status, 400)
  t.same(await res.json(), { errorCode: 'PURPOSE_REQUIRED', message: 'Tra cứu theo số định danh cá nhân phải nêu mục đích sử dụng', messageEn: 'A lookup by personal ID number must state its purpose' }, 'national errors: {errorCode, message, messageEn}')
  res = await lookup({ purpose: PURPOSE })
  t.equal(res.status, 400, 'neither an ID nor a number')
  t.equal((await lookup({ subjectId: PERSON, purpose: PURPOSE }, read)).status, 403, 'a read token cannot look up')
  res = await national({ SoDinhDanhChuSoHuu: PERSON, MucDich: PURPOSE }, read)
  t.equal(res.status, 403)
  t.match(await res.json(), { errorCode: 'FORBIDDEN' })
  t.equal((await get(`/api/v1/integration/results?subjectId=${PERSON}&purpose=x`)).status, 401, 'no credentials')
  t.equal((await get('/api/v1/records', integration)).status, 403, 'an integration token cannot read records')
  t.equal((await get(`/api/v1/search?subjectId=${PERSON}`, integration)).status, 403, 'nor search')
  t.equal((await get(`/api/v1/records/${records.open.record.id}/document.pdf`, integration)).status, 403, 'nor fetch PDFs except through links')

  // The auditor reads the trail; an operator, an admin token and an integration token cannot.
  const auditor = await sessionOf(app.url, admin, 'kiemtoan', 'auditor')
  const operator = await sessionOf(app.url, admin, 'vanhanh', 'operator')
  const trail = async (query: string, headers: Record<string, string>): Promise<Response> => await fetch(`${app.url}/api/v1/integration/audit?${query}`, { headers })
  t.equal((await trail(`subjectId=${PERSON}`, { cookie: operator })).status, 403, 'an operator cannot read the trail')
  t.equal((await trail('', { authorization: `Bearer ${admin}` })).status, 403, 'nor an admin token')
  t.equal((await trail('', { authorization: `Bearer ${integration}` })).status, 403, 'nor the looking-up system')
  res = await trail(`subjectId=${PERSON}`, { cookie: auditor })
  t.equal(res.status, 200)
  const { entries } = await res.json() as { entries: any[] }
  const shape = entries.map(e => `${e.endpoint}:${e.outcome}:${e.error ?? ''}:${e.principal.name ?? e.principal.id}`).reverse()
  t.same(shape, [
    'results:ok::test-integration', 'results:ok::test-integration', 'results:ok::test-integration', 'results:ok::test-integration',
    'citizen-lookup:ok::test-integration',
    'results:refused:PURPOSE_REQUIRED:test-integration', 'results:refused:PURPOSE_REQUIRED:test-integration', 'citizen-lookup:refused:PURPOSE_REQUIRED:test-integration',
    'results:refused:FORBIDDEN:test-read'
  ], 'every lookup of this ID, answered or refused, oldest to newest (unauthenticated ones are not)')
  const first = entries[entries.length - 1]
  t.match(first, { subjectId: PERSON, purpose: PURPOSE, results: 3, system: 'test-integration', principal: { kind: 'token', id: /^t_/ }, remoteAddress: /127\.0\.0\.1/, at: String })
  t.match(entries.find(e => e.endpoint === 'citizen-lookup' && e.outcome === 'ok'), { results: 1, query: { criteria: [{ documentNumber: '102/GPXD-UBND' }], requesterName: 'Trần Văn Bình', channel: '1', procedureCode: '1.003560' } })
  t.match(entries.find(e => e.error === 'PURPOSE_REQUIRED'), { purpose: null, results: 0 })
  const byNumber = await (await trail('', { cookie: auditor })).json() as { entries: any[] }
  t.ok(byNumber.entries.some(e => e.subjectId === null && e.query.documentNumber === '104 / gpxd - ubnd'), 'a lookup by number alone is in the trail too')
  t.match(byNumber.entries[0], { endpoint: 'citizen-lookup', outcome: 'refused', error: 'FORBIDDEN', subjectId: null, system: 'test-read' }, 'a refusal before the body was read: in the trail, without the ID')
  const page = await (await trail(`subjectId=${PERSON}&limit=4`, { cookie: auditor })).json() as { entries: any[], next: string }
  const rest = await (await trail(`subjectId=${PERSON}&limit=50&cursor=${page.next}`, { cookie: auditor })).json() as { entries: any[] }
  t.same([...page.entries, ...rest.entries].map(e => e.id), entries.map(e => e.id), 'paged with the cursor')

  // Durable before the answer: an answer, then SIGKILL at once; the data directory holds the entry.
  res = await lookup({ subjectId: OTHER_PERSON, purpose: 'Kiểm tra độ bền của nhật ký' })
  t.equal(res.status, 200)
  await app.kill9()
  const store = await Store.open(dataDir)
  t.teardown(async () => await store.close())
  const after = await store.audit.list({ subjectId: OTHER_PERSON, limit: 10 })
  t.match(after.entries, [{ purpose: 'Kiểm tra độ bền của nhật ký', results: 1, outcome: 'ok' }], 'the lookup answered just before the kill is on disk')

  // The logs show the requests (so this check can fail) but never a personal ID or a name.
  const logs = app.logs
  t.ok(logs.some(l => l.includes('"/api/v1/integration/results"')), 'lookups are logged, by path')
  t.ok(logs.some(l => l.includes('result lookup answered')) && logs.some(l => l.includes('result lookup refused')))
  for (const secret of [PERSON, OTHER_PERSON, '064085000321', 'Trần Văn Bình', 'Nguyễn Văn An']) {
    t.notOk(logs.some(l => l.includes(secret)), `no log line holds ${secret === PERSON || secret === OTHER_PERSON ? 'the personal ID' : 'a name or the requester\'s ID'}`)
  }
})
