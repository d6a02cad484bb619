/**
 * Disaster recovery: a district's data directory is wiped (only its node key kept, as from the admin's backup),
 * `sohoa restore --from-province` pulls the whole archive back, checked entry by entry and file by file; the
 * district then serves its records and search again, `sohoa verify` passes, and replication carries on.
 */
import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import { tempDir } from '../helpers/tmp.js'
import { api, district, provinceAddress, register, seedArchive, sohoa, startNode, waitFor } from './helpers.js'

async function scan (label: number): Promise<Buffer> {
  return await sharp({ create: { width: 240, height: 340, channels: 3, background: { r: 250, g: 250 - label, b: 245 } } }).jpeg({ quality: 80 }).withMetadata({ density: 150 }).toBuffer()
}

t.test('wipe a district, restore it from the province (same key, then a new key), verify, search', async t => {
  const [dirP, dirD, keep] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-dist-'), tempDir(t, 'sohoa-key-')])
  const seed = await seedArchive(dirD, '627', [
    { text: 'Quyết định giao đất cho hộ ông Rơ Mah Thuận', fields: { documentType: 'Quyết định', documentNumber: '12/QĐ-UBND' }, masters: [await scan(1), await scan(2)] },
    { text: 'Giấy chứng nhận quyền sử dụng đất thửa số 45', masters: [await scan(3)] },
    { text: 'Biên bản bàn giao mốc giới', masters: [await scan(4), randomBytes(50_000)] }
  ])
  const province = await startNode(t, { dataDir: dirP, role: 'province' })
  await register(province, seed.peerId, '627')
  const address = await provinceAddress(province)
  let d = await startNode(t, { dataDir: dirD, role: 'district', province: address })
  await waitFor('replicated', async () => (await district(province, seed.peerId))?.acked === seed.head)
  await d.stop()

  // The disaster: everything gone but the key the admin kept.
  await copyFile(join(dirD, 'node.key'), join(keep, 'node.key'))
  await rm(dirD, { recursive: true, force: true })
  await mkdir(dirD, { recursive: true })
  await copyFile(join(keep, 'node.key'), join(dirD, 'node.key'))

  d = await startNode(t, { dataDir: dirD, role: 'district', province: address })
  t.equal(d.peerId, seed.peerId, 'same identity')
  const refusedToStartOver = await waitFor('the empty node to notice', async () => { const s = (await api(d, 'GET', '/api/v1/sync/status')).body; return s.lastError && s })
  t.match(refusedToStartOver.lastError, /restore/, 'an empty node does not start a new history over the province\'s copy')

  const restored = await sohoa(['restore', '--from-province'], { SOHOA_DATA_DIR: dirD })
  t.equal(restored.code, 0, restored.stderr)
  t.match(JSON.parse(restored.stdout), { state: 'done', entries: seed.head, totalEntries: seed.head })

  const status = (await api(d, 'GET', '/api/v1/sync/status')).body
  t.match(status, { head: seed.head, acked: seed.head, entriesBehind: 0, lastError: null })
  const record = await api(d, 'GET', `/api/v1/records/${seed.records[0].id}`)
  t.equal(record.status, 200, 'the record is back (the seeded node had it only in its log)')
  t.match(record.body, { id: seed.records[0].id, unit: '627', status: 'archived' })
  const page = await fetch(`${d.url}/api/v1/records/${seed.records[0].id}/pages/1`, { headers: { authorization: `Bearer ${d.token}` } })
  t.equal(page.status, 200)
  t.same(Buffer.from(await page.arrayBuffer()), await scan(1), 'the master image, byte for byte')
  const found = (await api(d, 'GET', `/api/v1/search?q=${encodeURIComponent('ro mah thuan')}&purpose=kiem-thu`)).body
  t.same(found.results.map((r: any) => r.recordId), [seed.records[0].id], 'search works on the restored node')

  // Replication carries on from where the province is: nothing to send, no failure.
  const run = await api(d, 'POST', '/api/v1/sync/run')
  t.match(run.body, { ok: true, acked: seed.head, head: seed.head })
  await d.stop()

  // A lost key: the province authorises a new node to take the same replica; it restores and carries on.
  const dirN = await tempDir(t, 'sohoa-distN-')
  const fresh = await startNode(t, { dataDir: dirN, role: 'district', province: address })
  t.not(fresh.peerId, seed.peerId)
  const authorised = await api(province, 'POST', '/api/v1/sync/peers', { peerId: fresh.peerId, unit: '627', replaces: seed.peerId })
  t.match(authorised, { status: 201, body: { replica: seed.peerId } })
  // The province's word on who signed the old log is not taken: the admin vouches for the lost key. The old key
  // is revoked by the replacement (refused from now on), which the admin sees in the peer list.
  t.match((await api(province, 'GET', '/api/v1/sync/peers')).body.peers.find((p: any) => p.peerId === seed.peerId), { revoked: { after: seed.head, reason: /replaced by/ } })
  t.equal((await api(fresh, 'POST', '/api/v1/sync/restore', { trust: [seed.peerId] })).status, 202)
  const progress = await waitFor('the new node restored', async () => { const p = (await api(fresh, 'GET', '/api/v1/sync/status')).body.restore; return p.state !== 'running' && p })
  t.match(progress, { state: 'done', entries: seed.head })
  t.equal((await api(fresh, 'GET', `/api/v1/records/${seed.records[1].id}`)).status, 200)
  t.match((await api(fresh, 'POST', '/api/v1/sync/run')).body, { ok: true, acked: seed.head })
  await fresh.stop()

  // `sohoa verify`: the chain, every file re-hashed, every record against its entries.
  const verify = await sohoa(['verify'], { SOHOA_DATA_DIR: dirD })
  t.equal(verify.code, 0, `sohoa verify: ${verify.stderr}`)
  t.match(JSON.parse(verify.stdout), { entries: seed.head, records: seed.records.length, failures: [] })
  await province.stop()
})
