/**
 * A province and two districts as separate processes on 127.0.0.1 (real libp2p, real logs and stores): archived
 * records of each district reach the province, verified, counted per district and searchable there; identical
 * files move once; the province's catalogue comes down; an unregistered node is refused; a replayed session
 * changes nothing.
 */
import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import t from 'tap'
import { loadOrCreateNodeKey } from '../../appliance/src/archive/log/index.js'
import { Channel, createHost, encodeEntries, peerIdOfMultiaddr, SYNC_PROTOCOL } from '../../sync/src/index.js'
import { tempDir } from '../helpers/tmp.js'
import { api, district, provinceAddress, register, seedArchive, sohoa, startNode, waitFor } from './helpers.js'

t.test('province + two districts', async t => {
  const shared = randomBytes(300_000) // the same scan archived by both districts: it must move once
  const [dirP, dirA, dirB, dirC] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-dA-'), tempDir(t, 'sohoa-dB-'), tempDir(t, 'sohoa-dC-')])
  const seedA = await seedArchive(dirA, '622', [
    { text: 'Quyết định cấp giấy chứng nhận quyền sử dụng đất cho ông Nguyễn Văn An', fields: { documentType: 'Quyết định' }, masters: [shared, randomBytes(200_000)] },
    { text: 'Giấy phép xây dựng nhà ở riêng lẻ tại phường Hoa Lư', masters: [randomBytes(150_000)] },
    { text: 'Biên bản kiểm tra hiện trạng khu đất số 12', masters: [randomBytes(100_000)] }
  ])
  const seedB = await seedArchive(dirB, '623', [
    { text: 'Giấy chứng nhận đăng ký hộ kinh doanh của bà Trần Thị Bình ở An Khê', masters: [shared] },
    { text: 'Quyết định thu hồi đất tại xã Tú An', masters: [randomBytes(120_000)] }
  ])
  const key = await loadOrCreateNodeKey(dirC) // a node nobody registered

  const province = await startNode(t, { dataDir: dirP, role: 'province' })
  const address = await provinceAddress(province)
  t.equal(peerIdOfMultiaddr(address), province.peerId)
  // One district through the CLI (control socket of the running province), one through the API.
  const added = await sohoa(['peers', 'add', seedA.peerId, '--unit', '622'], { SOHOA_DATA_DIR: dirP })
  t.equal(added.code, 0, added.stderr)
  await register(province, seedB.peerId, '623')
  t.equal((await api(province, 'POST', '/api/v1/sync/peers', { peerId: seedB.peerId, unit: '624' })).status, 409, 'a node is one district')

  const [a, b, c] = await Promise.all([
    startNode(t, { dataDir: dirA, role: 'district', province: address }),
    startNode(t, { dataDir: dirB, role: 'district', province: address }),
    startNode(t, { dataDir: dirC, role: 'district', province: address })
  ])
  t.equal(a.peerId, seedA.peerId, 'the node key that signed the log is the libp2p identity')

  const dA = await waitFor('district A replicated', async () => { const d = await district(province, seedA.peerId); return d?.acked === seedA.head && d })
  const dB = await waitFor('district B replicated', async () => { const d = await district(province, seedB.peerId); return d?.acked === seedB.head && d })
  t.match(dA, { unit: '622', records: 3, pages: 4, verificationFailures: 0, halted: null, lag: { entries: 0 } })
  t.match(dB, { unit: '623', records: 2, pages: 2, verificationFailures: 0 })
  t.ok(dA.lastContact && dB.lastContact, 'last contact shown per district')

  // The province's progress report counts every district's archived pages from its replica.
  const report = (await api(province, 'GET', '/api/v1/reports/progress')).body
  const row = (code: string): any => report.rows.find((r: any) => r.code === code)
  t.equal(row('622').archived, 4, 'district A: 4 archived pages in the province report')
  t.equal(row('623').archived, 2, 'district B: 2 archived pages in the province report')
  t.equal(report.totals.archived, 6, 'the province total adds the districts up')

  // Searchable at the province, per district and across them, with the same Vietnamese folding.
  const search = async (q: string, unit?: string): Promise<string[]> => {
    const { body } = await api(province, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}${unit ? `&unit=${unit}` : ''}&purpose=kiem-thu`)
    return (body.results as Array<{ recordId: string }>).map(r => r.recordId).sort()
  }
  t.same(await search('nguyen van an', '622'), [seedA.records[0].id])
  t.same(await search('nguyen van an', '623'), [])
  t.same(await search('quyết định', '622,623'), [seedA.records[0].id, seedB.records[1].id].sort(), 'one query spans both replicas')
  t.same(await search('', '623'), seedB.records.map(r => r.id).sort())
  const replicaRecord = await api(province, 'GET', `/api/v1/sync/records/${seedB.records[0].id}`)
  t.match(replicaRecord.body, { id: seedB.records[0].id, unit: '623', replica: seedB.peerId })

  // The shared scan was stored once and sent once.
  const received = (await api(province, 'GET', '/api/v1/sync/status')).body
  const distinct = new Map<string, number>()
  for (const r of [...seedA.records, ...seedB.records]) for (const f of r.files) distinct.set(f.sha256, f.size)
  const payload = [...distinct.values()].reduce((s, n) => s + n, 0)
  t.ok(received.bytesReceived >= payload && received.bytesReceived < payload * 1.02, `province received ${received.bytesReceived} B for ${payload} B of distinct files`)

  // Each district reports its own side.
  const statusA = (await api(a, 'GET', '/api/v1/sync/status')).body
  t.match(statusA, { role: 'district', head: seedA.head, acked: seedA.head, entriesBehind: 0, bytesBehind: 0, lastError: null, refused: null })
  t.ok(statusA.lastSuccess)

  // The unregistered node is refused at connection time, and says so.
  const statusC = await waitFor('C to fail', async () => { const s = (await api(c, 'GET', '/api/v1/sync/status')).body; return s.lastError && s })
  t.ok(statusC.lastError, `refused node: ${String(statusC.lastError)}`)
  t.notOk(await district(province, key.peerId))
  t.ok(province.logs.some(l => l.includes('connection refused') && l.includes(key.peerId)), 'the province logged the refused peer')

  // The province's catalogue comes down: a unit added there reaches a district at its next contact.
  t.equal((await api(province, 'POST', '/api/v1/units', { code: '99901', name: 'Xã Thử Nghiệm', level: 'commune', parent: '622' })).status, 201)
  const run = await api(a, 'POST', '/api/v1/sync/run')
  t.match(run.body, { ok: true, acked: seedA.head })
  const units = (await api(a, 'GET', '/api/v1/units')).body
  t.ok(JSON.stringify(units).includes('99901'), 'the new unit is at the district')

  // Metrics on both sides.
  const metrics = await (await fetch(`${province.url}/metrics`)).text()
  t.match(metrics, new RegExp(`sohoa_sync_district_records\\{unit="622",peer="${seedA.peerId}"\\} 3`))
  t.match(await (await fetch(`${a.url}/metrics`)).text(), /sohoa_sync_entries_behind 0/)

  // A replayed session (the district's own key, old entries, old chunks, an old ack) changes nothing.
  const before = { districts: (await api(province, 'GET', '/api/v1/sync/districts')).body, total: (await api(province, 'GET', '/api/v1/search?q=&unit=622,623')).body.total }
  const replayKey = await loadOrCreateNodeKey(dirA)
  const host = await createHost({ privateKey: replayKey.privateKey, listen: [], allowInbound: () => false, allowOutbound: () => true })
  t.teardown(async () => await host.stop())
  const ch = new Channel(await host.dialProtocol(multiaddr(address), SYNC_PROTOCOL))
  await ch.send({ t: 'hello', v: 1, head: seedA.head, behind: { entries: 0, bytes: 0 }, shared: {} })
  const welcome = await ch.expect<any>()
  t.equal(welcome.header.acked.seq, seedA.head)
  const replay = encodeEntries(seedA.entries)
  const master = seedA.records[1].files[0]
  await ch.send({ t: 'chunk', sha256: master.sha256, offset: 0 }, randomBytes(1000)) // stray chunk: ignored
  await ch.send(replay.header as any, replay.payload)
  const ack = await ch.expect<any>()
  t.match(ack.header, { t: 'ack', seq: seedA.head }, 'entries already held are acknowledged, not stored again')
  t.notOk(ack.header.refuse)
  await ch.send({ t: 'sent' })
  await ch.send({ t: 'bye', head: seedA.head })
  await ch.close()
  const after = { districts: (await api(province, 'GET', '/api/v1/sync/districts')).body, total: (await api(province, 'GET', '/api/v1/search?q=&unit=622,623')).body.total }
  const strip = (ds: any): any => ds.districts.map((d: any) => ({ ...d, lastContact: null }))
  t.same(strip(after.districts), strip(before.districts), 'counts, positions and failures unchanged')
  t.equal(after.total, before.total)
  t.equal(after.total, 5)

  await Promise.all([a.stop(), b.stop(), c.stop()])
  await province.stop()
})
