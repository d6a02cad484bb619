/**
 * Issue 15, items 4 and 7. A district key revoked at the province (`sohoa peers revoke`): the key is refused at
 * connect, and entries it signed after the revocation point are refused even when another, valid node offers them
 * (a node registered with `--replaces`, carrying a log the thief extended). A registration cut halfway by an
 * earlier version (a peer without its replica's state) is repaired at start, and that district replicates.
 */
import { copyFile, cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { Store } from '../../appliance/src/store/index.js'
import { SYNC_PROTOCOL } from '../../sync/src/index.js'
import { tempDir } from '../helpers/tmp.js'
import { api, district, provinceAddress, register, seedArchive, sohoa, startNode, waitFor } from '../sync/helpers.js'
import { archivedEntry, craftLog, dialAs, loadOrCreateNodeKey } from './peer.js'

t.test('a revoked key: refused at connect, its later entries refused from any node', async t => {
  const [dirP, dirA, dirN] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-A-'), tempDir(t, 'sohoa-N-')])
  const seedA = await seedArchive(dirA, '624', [{ text: 'Quyết định thứ nhất' }, { text: 'Quyết định thứ hai' }])
  const province = await startNode(t, { dataDir: dirP, role: 'province' })
  const address = await provinceAddress(province)
  await register(province, seedA.peerId, '624')
  const a = await startNode(t, { dataDir: dirA, role: 'district', province: address })
  await waitFor('A replicated', async () => (await district(province, seedA.peerId))?.acked === 2)
  await a.stop()

  // The key is stolen with the machine: the admin revokes it.
  const revoked = await sohoa(['peers', 'revoke', seedA.peerId, '--reason', 'máy bị mất cắp'], { SOHOA_DATA_DIR: dirP })
  t.equal(revoked.code, 0, revoked.stderr)
  t.match(JSON.parse(revoked.stdout), { peerId: seedA.peerId, revoked: { after: 2, reason: 'máy bị mất cắp' } })

  // The thief connects with the key: the province's gater refuses it.
  const key = await loadOrCreateNodeKey(dirA)
  await t.rejects(dialAs(key, address, SYNC_PROTOCOL), 'a revoked key cannot open a session')
  t.ok(province.logs.some(l => l.includes('connection refused: peer not allowed') && l.includes(seedA.peerId)), 'refused at connect, and logged')

  // The thief signs a third entry with the stolen key, and a valid node carries it: the new node the admin
  // registered to replace A, holding a copy of A's data (its own key in it).
  await craftLog(dirA, [archivedEntry({ unit: '624', text: 'ký bằng khóa bị thu hồi' })])
  await cp(dirA, dirN, { recursive: true })
  await rm(join(dirN, 'node.key'))
  const fresh = await tempDir(t, 'sohoa-key-')
  const keyN = await loadOrCreateNodeKey(fresh)
  await copyFile(join(fresh, 'node.key'), join(dirN, 'node.key'))
  const added = await api(province, 'POST', '/api/v1/sync/peers', { peerId: keyN.peerId, unit: '624', replaces: seedA.peerId })
  t.match(added, { status: 201, body: { replica: seedA.peerId } })
  const n = await startNode(t, { dataDir: dirN, role: 'district', province: address })
  const halted = await waitFor('entry 3 refused', async () => { const d = await district(province, keyN.peerId); return d?.halted && d })
  t.match(halted, { acked: 2, records: 2, halted: { seq: 3, problem: /revoked after entry 2/ } })
  const status = await waitFor('N told', async () => { const s = (await api(n, 'GET', '/api/v1/sync/status')).body; return s.refused && s })
  t.match(status, { acked: 2, refused: { seq: 3 } })

  // The revocation shows in the peer list (the web admin's table reads the same route).
  const peers = (await api(province, 'GET', '/api/v1/sync/peers')).body.peers
  t.match(peers.find((p: any) => p.peerId === seedA.peerId), { revoked: { after: 2 } })
  t.match(peers.find((p: any) => p.peerId === keyN.peerId), { revoked: undefined })
  t.equal((await api(province, 'POST', `/api/v1/sync/peers/${seedA.peerId}/revoke`, {})).status, 400, 'a revocation needs a reason')
  await n.stop()
  await province.stop()
})

t.test('a registration cut between its two writes (earlier versions) is repaired at start', async t => {
  const [dirP, dirD] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-D-')])
  const seed = await seedArchive(dirD, '625', [{ text: 'Biên bản bàn giao' }])
  // The province as an earlier version left it: the peer written, its replica's state not.
  const store = await Store.open(dirP)
  try {
    await store.replicas.putPeer({ peerId: seed.peerId, unit: '625', replica: seed.peerId, addedAt: new Date().toISOString() })
    t.equal(await store.replicas.getState(seed.peerId), undefined)
  } finally {
    await store.close()
  }
  const province = await startNode(t, { dataDir: dirP, role: 'province' })
  t.ok(province.logs.some(l => l.includes('replica states repaired')), 'the repair is logged')
  const d = await startNode(t, { dataDir: dirD, role: 'district', province: await provinceAddress(province) })
  await waitFor('replicated', async () => (await district(province, seed.peerId))?.acked === seed.head)
  t.match(await district(province, seed.peerId), { records: 1, halted: null })
  await d.stop()
  await province.stop()
})
