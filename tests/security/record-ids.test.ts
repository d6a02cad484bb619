/**
 * Issue 15, item 3: record ids are unique per replica only, and a district can copy another's (they are printed in
 * every copy's QR). District B archives a record under district A's record id, then deletes it: A's record stays
 * in the province's search, its record view and its result lookups; B's copy stays B's, under (replica, record).
 */
import t from 'tap'
import { createToken } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { api, district, provinceAddress, register, seedArchive, startNode, waitFor } from '../sync/helpers.js'
import { archivedEntry, craftLog } from './peer.js'

const PERSON = '064190009876'

t.test('a district archives and deletes another district\'s record id: the victim\'s record stays', async t => {
  const [dirP, dirA, dirB] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-A-'), tempDir(t, 'sohoa-B-')])
  const seedA = await seedArchive(dirA, '623', [{
    text: 'Giấy chứng nhận quyền sử dụng đất cấp cho ông Rơ Châm Blơi',
    fields: { documentType: 'Giấy chứng nhận', documentNumber: '88/GCN', subjectId: PERSON, subjectName: 'Rơ Châm Blơi' }
  }])
  const victim = seedA.records[0].id
  const copy = archivedEntry({ unit: '622', id: victim, text: 'bản giả mạo', subjectId: '064190001111' })
  const { peerId: idB } = await craftLog(dirB, [
    copy,
    { type: 'record.deleted', recordId: victim, unit: '622', data: { reason: 'hết thời hạn lưu trữ', by: 'admin' } }
  ])

  const province = await startNode(t, { dataDir: dirP, role: 'province' })
  const address = await provinceAddress(province)
  await register(province, seedA.peerId, '623')
  await register(province, idB, '622')
  const a = await startNode(t, { dataDir: dirA, role: 'district', province: address })
  await waitFor('A replicated', async () => (await district(province, seedA.peerId))?.acked === seedA.head)
  const b = await startNode(t, { dataDir: dirB, role: 'district', province: address })
  await waitFor('B replicated', async () => (await district(province, idB))?.acked === 2)
  t.match(await district(province, idB), { records: 0, halted: null }, 'B\'s own replica: archived, then deleted')

  const search = (await api(province, 'GET', `/api/v1/search?q=${encodeURIComponent('ro cham bloi')}`)).body
  t.same(search.results.map((r: any) => r.recordId), [victim], 'A\'s record is still found')
  t.equal((await api(province, 'GET', `/api/v1/search?q=${encodeURIComponent('gia mao')}`)).body.total, 0, 'B\'s copy never took its place')

  const view = await api(province, 'GET', `/api/v1/sync/records/${victim}`)
  t.match(view.body, { id: victim, replica: seedA.peerId, unit: '623', others: [idB] })
  t.notOk(view.body.deleted, 'the record shown is A\'s, not deleted')
  const theirs = await api(province, 'GET', `/api/v1/sync/records/${victim}?replica=${idB}`)
  t.match(theirs.body, { id: victim, replica: idB, unit: '622', deleted: { seq: 2 }, others: [] })
  // Issue 15, item 9: a deleted record's copy at the province keeps which document it was, not the person.
  t.match(theirs.body.record, { fields: { documentType: 'Quyết định', documentNumber: '7/QĐ-UBND' }, parties: [], pdf: null })
  t.notOk(/064190001111|Ksor|scan\.jpg/.test(JSON.stringify(theirs.body)), 'no personal ID, name or file name in the province\'s deleted copy')

  const integration = await createToken(province.url, 'integration')
  const lookup = await fetch(`${province.url}/api/v1/integration/results?subjectId=${PERSON}&purpose=${encodeURIComponent('Giải quyết hồ sơ')}`, { headers: { authorization: `Bearer ${integration.secret}` } })
  t.equal(lookup.status, 200)
  t.match(((await lookup.json()) as any).results, [{ recordId: victim, unit: '623' }], 'the result lookup still answers with A\'s record')

  await Promise.all([a.stop(), b.stop()])
  await province.stop()
})
