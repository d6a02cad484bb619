// A result that names two people (a marriage certificate) is found by either spouse's ID number: through the search
// API (read scope) and through both result lookups (integration scope), while a third person's ID finds nothing.
import t from 'tap'
import { startAppliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { seedArchive, tokenOf } from './lookup-fixture.js'

const HUSBAND = '064090592474'
const WIFE = '064300455396'
const STRANGER = '064185000001'
const PURPOSE = 'Giải quyết hồ sơ đăng ký thường trú'

t.test('a marriage certificate is found by either spouse', async t => {
  const dataDir = await tempDir(t)
  const { records } = await seedArchive(t, dataDir, {
    marriage: {
      documentType: 'GIẤY CHỨNG NHẬN KẾT HÔN', documentNumber: '145', issuedDate: '2018-10-23', issuer: 'ỦY BAN NHÂN DÂN XÃ IA SOL',
      subjectName: 'Trương Hữu Nguyên', subjectId: HUSBAND
    }
  }, {
    marriage: [
      { role: 'husband', name: 'Trương Hữu Nguyên', idNumber: HUSBAND, birthDate: '1990-02-28' },
      { role: 'wife', name: 'Dương Thanh Hằng', idNumber: WIFE, birthDate: '2000-04-18' }
    ]
  })
  const app = await startAppliance({ dataDir })
  t.teardown(() => app.stop())
  // A search by a person's ID needs the person permission and a purpose (it is audited like a lookup).
  const admin = await tokenOf(app.url, 'admin')
  const integration = await tokenOf(app.url, 'integration')
  const get = async (path: string, token: string): Promise<any> => {
    const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
    t.equal(res.status, 200, path.replace(/\d{12}/gu, '<id>'))
    return await res.json()
  }
  const id = records.marriage.record.id

  for (const [who, digits] of [['husband', HUSBAND], ['wife', WIFE], ['wife, spaced', '064 300 455 396']] as const) {
    const search = await get(`/api/v1/search?${new URLSearchParams({ subjectId: digits, purpose: PURPOSE }).toString()}`, admin)
    t.same(search.results.map((r: { recordId: string }) => r.recordId), [id], `search by the ${who}'s ID`)
    const ours = await get(`/api/v1/integration/results?${new URLSearchParams({ subjectId: digits, purpose: PURPOSE }).toString()}`, integration)
    t.same(ours.results.map((r: { recordId: string }) => r.recordId), [id], `result lookup by the ${who}'s ID`)
    const res = await fetch(`${app.url}/api/v1/integration/citizen-lookup`, {
      method: 'POST', headers: { authorization: `Bearer ${integration}`, 'content-type': 'application/json' },
      body: JSON.stringify({ SoDinhDanhChuSoHuu: digits, MucDich: PURPOSE })
    })
    const national = await res.json() as { result: { DanhSachGiayToKetQua: Array<{ SoKyHieu: string }> } }
    t.same(national.result.DanhSachGiayToKetQua.map(d => d.SoKyHieu), ['145'], `national lookup by the ${who}'s ID`)
  }
  const none = await get(`/api/v1/search?${new URLSearchParams({ subjectId: STRANGER, purpose: PURPOSE }).toString()}`, admin)
  t.equal(none.total, 0, 'another person\'s ID finds nothing')
  const noResult = await get(`/api/v1/integration/results?${new URLSearchParams({ subjectId: STRANGER, purpose: PURPOSE }).toString()}`, integration)
  t.same(noResult.results, [], 'nor does the lookup')

  const record = await get(`/api/v1/records/${id}`, admin)
  t.same(record.parties.value.map((p: { role: string }) => p.role), ['husband', 'wife'], 'the record shows both parties')
})
