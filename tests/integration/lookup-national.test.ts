// The national citizen data store's shapes: dates as yyyyMMddHHmmss in Vietnam's time both ways, the request as our
// lookup, our results as DanhSachGiayToKetQua; and the four routes in the OpenAPI document with examples that fit.
import { Ajv } from 'ajv'
import t from 'tap'
import { loadConfig } from '../../appliance/src/config/index.js'
import {
  fromNationalDate, fromNationalRequest, toNationalAnswer, toNationalDate, toNationalError, type LookupResult
} from '../../appliance/src/integration/index.js'
import { createLogger } from '../../appliance/src/log/index.js'
import { openNode } from '../../appliance/src/node.js'
import { tempDir } from '../helpers/tmp.js'

t.test('dates: yyyyMMddHHmmss in Vietnam time', async t => {
  t.equal(toNationalDate('2023-05-05'), '20230505000000', 'a day read from the paper: its first second')
  t.equal(toNationalDate('2030-12-31', { endOfDay: true }), '20301231235959', 'valid until: the last second of that day')
  t.equal(toNationalDate(new Date('2026-11-28T17:30:05Z')), '20261129003005', '17:30 UTC is already the next day in Vietnam')
  t.equal(toNationalDate('2026-11-28T08:00:00.000Z'), '20261128150000', 'an ISO instant is converted')
  t.equal(toNationalDate('2026-11-28T08:00:00+07:00'), '20261128080000')
  t.equal(fromNationalDate('20261129003005').toISOString(), '2026-11-28T17:30:05.000Z')
  for (const iso of ['2024-02-29T16:59:59.000Z', '2025-12-31T17:00:00.000Z', '1999-01-01T00:00:00.000Z']) {
    t.equal(fromNationalDate(toNationalDate(new Date(iso))).toISOString(), iso, `round trip ${iso}`)
  }
  for (const bad of ['20230231000000', '20231301000000', '2023050500000', 'hôm nay', '20230505246000']) {
    t.throws(() => fromNationalDate(bad), { code: 'VALIDATION' }, `refused: ${bad}`)
  }
  t.throws(() => toNationalDate('not a date'), { code: 'VALIDATION' })
})

t.test('the national request as our lookup, our results as the national answer', async t => {
  const asked = fromNationalRequest({
    SoDinhDanhChuSoHuu: ' 064190001234 ', HoTenNguoiYeuCau: 'Trần Văn Bình', KenhThucHien: 1, SoDinhDanhNguoiYeuCau: '064085000321', MaThuTuc: '1.009972',
    DanhSachDanhMucKetQua: [{ MaKetQua: 'KQ.G15.000031' }, { SoKyHieu: '1470/GPXD-UBND' }, { MaKetQua: ' ', SoKyHieu: '' }], MucDich: ' Cấp phép sửa chữa '
  })
  t.same(asked, {
    query: { subjectId: '064190001234', anyOf: [{ resultTypeCode: 'KQ.G15.000031' }, { documentNumber: '1470/GPXD-UBND' }] },
    purpose: 'Cấp phép sửa chữa',
    requester: { name: 'Trần Văn Bình', id: '064085000321', channel: '1', procedureCode: '1.009972' }
  }, 'criteria kept, blank ones dropped, text trimmed')
  t.equal(fromNationalRequest({ SoDinhDanhChuSoHuu: '064190001234', MucDich: '   ' }).purpose, null, 'a blank purpose is no purpose')
  t.throws(() => fromNationalRequest({ SoDinhDanhChuSoHuu: ' ' }), { code: 'VALIDATION' })

  const result: LookupResult = {
    archiveId: 'SH-622-01jd2k8m6y0000000000000', recordId: 'r_01jd2k8m6y0000000000000', unit: '622', agencyCode: '000.00.21.H21',
    documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: '1470/GPXD-UBND', issuedDate: '2023-05-05', issuer: 'UBND THÀNH PHỐ PLEIKU',
    resultTypeCode: 'KQ.G15.000031', procedureCode: '1.009972', dossierCode: '000.00.21.H21-230505-0001', validity: { state: 'valid' }, validUntil: '2030-12-31',
    files: [{ name: 'a.01.pdf', sha256: 'ab'.repeat(32), url: 'http://x/api/v1/integration/files/r_1/a.01.pdf?exp=1&sig=s', expiresAt: '2026-11-29T08:00:00.000Z' }]
  }
  t.same(toNationalAnswer([result, { ...result, issuedDate: null, validUntil: null, issuer: null, resultTypeCode: null }]), {
    errorCode: '0',
    message: 'Thành công',
    result: {
      DanhSachGiayToKetQua: [
        {
          MaKetQua: 'KQ.G15.000031', TenGiayTo: 'GIẤY PHÉP XÂY DỰNG', SoKyHieu: '1470/GPXD-UBND', CoQuanChuQuan: 'UBND THÀNH PHỐ PLEIKU',
          NgayCap: '20230505000000', HieuLucDen: '20301231235959', DanhSachTepDinhKem: [{ TenTep: 'a.01.pdf', DuongDan: result.files[0].url }]
        },
        {
          MaKetQua: '', TenGiayTo: 'GIẤY PHÉP XÂY DỰNG', SoKyHieu: '1470/GPXD-UBND', CoQuanChuQuan: '000.00.21.H21',
          NgayCap: '', DanhSachTepDinhKem: [{ TenTep: 'a.01.pdf', DuongDan: result.files[0].url }]
        }
      ]
    }
  }, 'unknown values are empty, an open-ended result has no HieuLucDen, the agency code stands in for a missing issuer')
  t.same(toNationalError({ error: 'PURPOSE_REQUIRED', message: 'vi', messageEn: 'en' }), { errorCode: 'PURPOSE_REQUIRED', message: 'vi', messageEn: 'en' })
})

t.test('the four routes are in the OpenAPI document and their examples fit their schemas', async t => {
  const dataDir = await tempDir(t)
  const node = await openNode(loadConfig({ env: {}, overrides: { dataDir, logLevel: 'silent' } }), createLogger('silent'), 'offline')
  t.teardown(() => node.stop())
  const doc = (await node.api.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()
  const results = doc.paths['/api/v1/integration/results'].get
  const national = doc.paths['/api/v1/integration/citizen-lookup'].post
  const files = doc.paths['/api/v1/integration/files/{recordId}/{filename}'].get
  const audit = doc.paths['/api/v1/integration/audit'].get
  t.equal(results['x-permission'], 'integration')
  t.equal(national['x-permission'], 'integration')
  t.equal(audit['x-permission'], 'audit')
  t.same(files.security, [], 'the file link needs no credentials: its signature is the authority')
  t.same(results.parameters.map((p: any) => p.name).sort(), ['documentNumber', 'purpose', 'resultTypeCode', 'subjectId'])

  const ajv = new Ajv({ strict: false, allErrors: true })
  const schemas = [
    ['results 200', results.responses['200'].content['application/json'].schema],
    ['citizen-lookup body', national.requestBody.content['application/json'].schema],
    ['citizen-lookup 200', national.responses['200'].content['application/json'].schema],
    ['audit 200', audit.responses['200'].content['application/json'].schema]
  ] as const
  for (const [name, schema] of schemas) {
    t.ok(Array.isArray(schema.examples) && schema.examples.length > 0, `${name} has an example`)
    const validate = ajv.compile(schema)
    for (const example of schema.examples ?? []) t.ok(validate(example), `${name}: the example fits ${JSON.stringify(validate.errors ?? [])}`)
  }
  t.match(national.responses['200'].content['application/json'].schema.examples[0].result.DanhSachGiayToKetQua[0].NgayCap, /^\d{14}$/)
})
