/**
 * Issue 15, item 6: a district being restored verifies its log against keys it knows, not against the signer list
 * the province hands it. A false province on 127.0.0.1 serves district A a log signed by another key E and names
 * E as a signer: A refuses it. The same key introduced by a `node.key` entry that A's own key signed is accepted.
 */
import { createHash } from 'node:crypto'
import { copyFile, cp, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import t from 'tap'
import { FileStore } from '../../appliance/src/store/index.js'
import { readStoredRange, storedFileSize } from '../../appliance/src/replica/stored-files.js'
import { Channel, createHost, encodeEntries, RESTORE_PROTOCOL, TokenBucket } from '../../sync/src/index.js'
import { sendFiles } from '../../sync/src/file-transfer.js'
import { tempDir } from '../helpers/tmp.js'
import { api, startNode, waitFor } from '../sync/helpers.js'
import { archivedEntry, craftLog, loadOrCreateNodeKey, type CraftedEntry } from './peer.js'

/** A province that serves whatever log it is given, and names whatever signers it likes. */
async function falseProvince (dir: string, serve: () => { entries: CraftedEntry[], files: string, signers: string[] }): Promise<{ host: Libp2p, address: string }> {
  const key = await loadOrCreateNodeKey(dir)
  const host = await createHost({ privateKey: key.privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], allowInbound: () => true, allowOutbound: () => true })
  await host.start()
  await host.handle(RESTORE_PROTOCOL, (stream) => {
    void (async () => {
      const ch = new Channel(stream, { readTimeoutMs: 15_000 })
      const { entries, files: filesDir, signers } = serve()
      const files = new FileStore(filesDir)
      const source = { fileSize: async (sha: string) => await storedFileSize(files, sha), readFile: async (sha: string, o: number, n: number) => await readStoredRange(files, sha, o, n) }
      await ch.expect()
      const last = entries.at(-1)!
      await ch.send({ t: 'restore-head', head: { seq: last.seq, hash: createHash('sha256').update(last.envelope).digest('hex') }, signers, records: entries.length, bytes: 0 })
      for (;;) {
        const frame = await ch.receive<Record<string, any>>()
        if (frame === null || frame.header.t === 'bye') break
        if (frame.header.t === 'get-entries') {
          const batch = entries.filter(e => e.seq >= frame.header.from)
          const { header, payload } = encodeEntries(batch)
          await ch.send(header as any, payload)
        } else if (frame.header.t === 'want') {
          await sendFiles(ch, source, frame.header.files, { bucket: new TokenBucket(0), shouldContinue: () => true })
        }
      }
      await ch.close()
    })().catch(() => {})
  })
  const addr = host.getMultiaddrs().map(String).find(a => a.startsWith('/ip4/127.0.0.1/'))!
  return { host, address: addr.includes('/p2p/') ? addr : `${addr}/p2p/${key.peerId}` }
}

t.test('restore: keys the district knows, or keys one of them introduced; never the province\'s list', async t => {
  const [dirA, dirE, dirHandover, dirFalse, dirR] = await Promise.all(['A', 'E', 'H', 'F', 'R'].map(async n => await tempDir(t, `sohoa-${n}-`)))
  const keyE = await loadOrCreateNodeKey(dirE)
  // E's own log: entries only E signed.
  const foreign = await craftLog(dirE, [archivedEntry({ unit: '626', text: 'không phải của huyện này' })])
  // A's log: A introduces E (a planned key change), then E carries on signing A's log.
  const own = await craftLog(dirA, [
    { type: 'node.key', data: { peerId: keyE.peerId } },
    archivedEntry({ unit: '626', text: 'hồ sơ do khóa cũ ký' })
  ])
  await cp(dirA, dirHandover, { recursive: true })
  await copyFile(join(dirE, 'node.key'), join(dirHandover, 'node.key'))
  const signedByE = archivedEntry({ unit: '626', text: 'hồ sơ do khóa mới ký' })
  const handover = await craftLog(dirHandover, [signedByE])
  t.equal(handover.entries.length, 3)

  let serving = { entries: foreign.entries, files: join(dirE, 'files'), signers: [keyE.peerId] }
  const fake = await falseProvince(dirFalse, () => serving)
  t.teardown(async () => await fake.host.stop())

  // District A, wiped, its key kept, restores from the false province.
  await mkdir(dirR, { recursive: true })
  await copyFile(join(dirA, 'node.key'), join(dirR, 'node.key'))
  const r = await startNode(t, { dataDir: dirR, role: 'district', province: fake.address, schedule: '00:00-00:01' })
  t.equal(r.peerId, own.peerId)
  const restore = async (): Promise<any> => {
    t.equal((await api(r, 'POST', '/api/v1/sync/restore', {})).status, 202)
    return await waitFor('restore settled', async () => { const p = (await api(r, 'GET', '/api/v1/sync/status')).body.restore; return p.state !== 'running' && p })
  }
  const refused = await restore()
  t.match(refused, { state: 'failed', error: /entry 1: signed by a key that is not this district's/ }, 'the province naming E is not enough')
  t.equal((await api(r, 'GET', '/api/v1/sync/status')).body.head, 0, 'nothing of it was applied')

  serving = { entries: handover.entries, files: join(dirHandover, 'files'), signers: [] }
  const done = await restore()
  t.match(done, { state: 'done', entries: 3, totalEntries: 3 }, 'E, introduced by A\'s own signed entry, is trusted from there on')
  t.equal((await api(r, 'GET', `/api/v1/records/${signedByE.id}`)).status, 200, 'the record E signed is back')
  await r.stop()
})
