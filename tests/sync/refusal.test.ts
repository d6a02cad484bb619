/**
 * Trust at the province: a district whose file or log entry was altered on disk is refused at that entry; the
 * failure is reported on both sides (district status, province per-district figures, logs) and replication of that
 * district stays stopped there until an admin acts (`sohoa peers resume`), while the other district carries on.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { FileStore, Store } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'
import { api, district, provinceAddress, register, seedArchive, sohoa, startNode, waitFor } from './helpers.js'
import { tamperEntry } from './tamper.js'

const records = (n: number, label: string): Array<{ text: string, masters: Buffer[] }> =>
  Array.from({ length: n }, (_, i) => ({ text: `${label} số ${i + 1}: quyết định hành chính`, masters: [randomBytes(60_000)] }))

t.test('altered file and altered entry: refused at that entry, reported, halted until an admin resumes', async t => {
  const [dirP, dirF, dirE] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-dF-'), tempDir(t, 'sohoa-dE-')])
  const seedF = await seedArchive(dirF, '628', records(4, 'Hồ sơ F'))
  const seedE = await seedArchive(dirE, '629', records(4, 'Hồ sơ E'))

  // District F: the master of its 3rd record changed on disk (one byte). District E: its 2nd log entry edited.
  const files = new FileStore(`${dirF}/files`)
  const victim = seedF.records[2].files[0].sha256
  const original = await readFile(files.path(victim))
  const altered = Buffer.from(original)
  altered[1000] ^= 0xff
  await writeFile(files.path(victim), altered)
  const storeE = await Store.open(dirE)
  try { await tamperEntry(storeE, 2) } finally { await storeE.close() }

  const province = await startNode(t, { dataDir: dirP, role: 'province' })
  const address = await provinceAddress(province)
  await register(province, seedF.peerId, '628')
  await register(province, seedE.peerId, '629')
  let f = await startNode(t, { dataDir: dirF, role: 'district', province: address })
  const e = await startNode(t, { dataDir: dirE, role: 'district', province: address })

  // Province side: halted at the entry, the entries before it kept, the failure counted.
  const dF = await waitFor('F halted', async () => { const d = await district(province, seedF.peerId); return d?.halted && d })
  t.match(dF, { acked: 2, records: 2, verificationFailures: 1, halted: { seq: 3 } })
  t.match(dF.halted.problem, /SHA-256/)
  const dE = await waitFor('E halted', async () => { const d = await district(province, seedE.peerId); return d?.halted && d })
  t.match(dE, { acked: 1, records: 1, verificationFailures: 1, halted: { seq: 2 } })
  t.ok(province.logs.some(l => l.includes('district entry refused')))
  t.notOk(await new FileStore(`${dirP}/files`).has(victim), 'the altered file never entered the province\'s store')

  // District side: the refusal, where and why.
  const sF = await waitFor('F reports', async () => { const s = (await api(f, 'GET', '/api/v1/sync/status')).body; return s.refused && s })
  t.match(sF, { acked: 2, refused: { seq: 3 } })
  t.match(sF.lastError, /refused entry 3/)
  const sE = (await api(e, 'GET', '/api/v1/sync/status')).body
  t.match(sE, { acked: 1, refused: { seq: 2 } })

  // Trying again changes nothing while the province holds the halt.
  const again = await api(f, 'POST', '/api/v1/sync/run')
  t.match(again.body, { ok: false, refused: { seq: 3 } })
  t.equal((await district(province, seedF.peerId)).acked, 2)

  // The admin repairs F's file from the backup, resumes F at the province, and F completes.
  await f.stop()
  await writeFile(files.path(victim), original)
  f = await startNode(t, { dataDir: dirF, role: 'district', province: address })
  const resumed = await sohoa(['peers', 'resume', seedF.peerId], { SOHOA_DATA_DIR: dirP })
  t.equal(resumed.code, 0, resumed.stderr)
  const done = await api(f, 'POST', '/api/v1/sync/run')
  t.match(done.body, { ok: true, acked: 4 })
  t.match(await district(province, seedF.peerId), { acked: 4, records: 4, halted: null, verificationFailures: 1 })
  t.equal((await district(province, seedE.peerId)).acked, 1, 'E stays stopped')

  await Promise.all([f.stop(), e.stop()])
  await province.stop()
})
