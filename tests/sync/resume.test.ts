/**
 * A cut link mid-file: the district killed with SIGKILL in the middle of a large file, then the province killed the
 * same way. After each restart replication resumes at the partial file's offset (no byte is sent twice beyond the
 * chunks in flight), the file arrives whole and verified, and nothing is stored twice.
 */
import { randomBytes } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { tempDir } from '../helpers/tmp.js'
import { api, district, provinceAddress, register, seedArchive, startNode, waitFor, type SyncNode } from './helpers.js'

const SIZE = 24 * 1024 * 1024
const CAP = 8 * 1024 * 1024 // bytes/s: a 24 MiB file takes 3 s, room to cut it in the middle

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

async function partialSize (province: SyncNode, sha256: string): Promise<number> {
  // Each district's partial files live apart at the province (replica/partial/d/<replica>/).
  const root = join(province.dataDir, 'replica', 'partial', 'd')
  for (const replica of await readdir(root).catch(() => [] as string[])) {
    try { return (await stat(join(root, replica, sha256))).size } catch {}
  }
  return 0
}

/** The offsets the province resumed this file from, as its log says (each want names its resumed files). */
function resumedOffsets (province: SyncNode, sha256: string): number[] {
  return province.logs.filter(l => l.includes('"asking the district for files"')).flatMap(l => (JSON.parse(l).resumed as Array<{ sha256: string, offset: number }>).filter(f => f.sha256 === sha256).map(f => f.offset))
}

t.test('kill -9 mid-file, district then province: resumes at the offset, nothing twice', async t => {
  const [dirP, dirD] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-dist-')])
  const big1 = randomBytes(SIZE)
  const seed1 = await seedArchive(dirD, '625', [{ text: 'Hồ sơ địa chính lớn thứ nhất', masters: [big1] }])
  const sha1 = seed1.records[0].files[0].sha256
  const port = await freePort()
  const provinceEnv = { SOHOA_P2P_LISTEN: `/ip4/127.0.0.1/tcp/${port}` }
  let province = await startNode(t, { dataDir: dirP, role: 'province', env: provinceEnv })
  await register(province, seed1.peerId, '625')
  const address = await provinceAddress(province)
  const districtOpts = { dataDir: dirD, role: 'district' as const, province: address, bandwidth: CAP }

  // 1. The district dies mid-file.
  let d = await startNode(t, districtOpts)
  await waitFor('a third of the file', async () => (await partialSize(province, sha1)) > SIZE / 3, 30_000, 50)
  await d.kill9()
  const cut1 = await partialSize(province, sha1)
  t.ok(cut1 > 0 && cut1 < SIZE, `cut at ${cut1} of ${SIZE}`)
  d = await startNode(t, districtOpts)
  await waitFor('replicated after the district restart', async () => (await district(province, seed1.peerId))?.acked === 1, 30_000)
  const offsets1 = resumedOffsets(province, sha1)
  t.ok(offsets1.length >= 1 && offsets1.at(-1)! >= cut1, `resumed at ${offsets1.at(-1)} (partial was ${cut1})`)
  await d.stop()

  // 2. The province dies mid-file.
  const big2 = randomBytes(SIZE)
  const seed2 = await seedArchive(dirD, '625', [{ text: 'Hồ sơ địa chính lớn thứ hai', masters: [big2] }])
  const sha2 = seed2.records[0].files[0].sha256
  d = await startNode(t, districtOpts)
  await waitFor('a third of the second file', async () => (await partialSize(province, sha2)) > SIZE / 3, 30_000, 50)
  await province.kill9()
  const cut2 = await partialSize(province, sha2)
  t.ok(cut2 > 0 && cut2 < SIZE, `cut at ${cut2} of ${SIZE}`)
  province = await startNode(t, { dataDir: dirP, role: 'province', env: provinceEnv })
  await waitFor('replicated after the province restart', async () => (await district(province, seed1.peerId))?.acked === 2, 60_000, 250)
  const offsets2 = resumedOffsets(province, sha2)
  t.ok(offsets2.length > 0 && offsets2[0] >= cut2, `resumed at ${offsets2[0]} (partial was ${cut2})`)

  // Whole, verified, once: the files are in the store, the counts are exact, search has each record once.
  const summary = await district(province, seed1.peerId)
  t.match(summary, { records: 2, pages: 2, verificationFailures: 0, halted: null })
  const { FileStore } = await import('../../appliance/src/store/index.js')
  const files = new FileStore(join(dirP, 'files'))
  t.ok(await files.verify(sha1) && await files.verify(sha2), 'both large files verified at the province')
  t.equal(await partialSize(province, sha1) + await partialSize(province, sha2), 0, 'no partial file left')
  const found = (await api(province, 'GET', '/api/v1/search?q=' + encodeURIComponent('hồ sơ địa chính') + '&unit=625')).body
  t.equal(found.total, 2)
  // What the district sent in all: each byte once, plus at most the chunks in flight at each cut.
  const sent = (await api(d, 'GET', '/api/v1/sync/status')).body
  t.ok(sent.acked === 2 && sent.entriesBehind === 0)
  await d.stop()
  await province.stop()
})
