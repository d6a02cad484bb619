/**
 * The bandwidth cap: with 1 MB/s, 20 MB of files take 18-22 s, and every 10 s window stays within ±10 % of the cap
 * (sampled on the province's partial file as it grows).
 */
import { randomBytes } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { tempDir } from '../helpers/tmp.js'
import { api, provinceAddress, register, seedArchive, startNode, waitFor } from './helpers.js'

const CAP = 1_000_000
const SIZE = 20_000_000

t.test('1 MB/s cap: 20 MB in 18-22 s, ±10 % over any 10 s; a closing window pauses mid-file', async t => {
  const [dirP, dirD] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-dist-')])
  const seed = await seedArchive(dirD, '626', [{ text: 'Bản đồ địa chính khổ lớn', masters: [randomBytes(SIZE)] }])
  const sha = seed.records[0].files[0].sha256
  const province = await startNode(t, { dataDir: dirP, role: 'province' })
  const address = await provinceAddress(province)
  // Nightly window that is never open now: only the explicit run moves data, so the test times exactly one run.
  const d = await startNode(t, { dataDir: dirD, role: 'district', province: address, bandwidth: CAP, schedule: '0 0 1 1 *|1 0 1 1 *' })
  await register(province, seed.peerId, '626')

  // Each district's partial files live apart at the province.
  const partial = join(dirP, 'replica', 'partial', 'd', seed.peerId, sha)
  const samples: Array<{ at: number, bytes: number }> = []
  const started = performance.now()
  let done = false
  let seen = false
  const sampler = (async () => {
    while (!done) {
      // Before the file appears nothing has arrived; once it is gone it was whole and moved into the store.
      const bytes = await stat(partial).then(s => { seen = true; return s.size }, () => seen ? SIZE : 0)
      samples.push({ at: (performance.now() - started) / 1000, bytes })
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  })()
  const run = await api(d, 'POST', '/api/v1/sync/run')
  const seconds = (performance.now() - started) / 1000
  done = true
  await sampler
  t.match(run.body, { ok: true, acked: 1 }, JSON.stringify(run.body))
  t.ok(seconds >= 18 && seconds <= 22, `20 MB took ${seconds.toFixed(1)} s`)
  const rates: number[] = []
  for (const a of samples) {
    const b = samples.find(s => s.at >= a.at + 10)
    if (!b || a.bytes === 0 || b.bytes >= SIZE) continue
    rates.push((b.bytes - a.bytes) / (b.at - a.at))
  }
  t.ok(rates.length > 10, `${rates.length} windows of 10 s`)
  t.ok(rates.every(r => Math.abs(r - CAP) / CAP <= 0.1), `10 s rates ${Math.round(Math.min(...rates))}-${Math.round(Math.max(...rates))} B/s`)
  const status = (await api(d, 'GET', '/api/v1/sync/status')).body
  t.equal(status.bandwidth, CAP)
  t.equal(status.window.open, false, 'outside its window (the run was explicit)')
  await d.stop()

  // The window closes mid-file: the current chunk finishes, the transfer pauses, the partial file stays.
  const dirW = await tempDir(t, 'sohoa-distW-')
  const seedW = await seedArchive(dirW, '626', [{ text: 'Bản đồ thứ hai', masters: [randomBytes(SIZE)] }])
  await api(province, 'POST', '/api/v1/sync/peers', { peerId: seedW.peerId, unit: '626' })
  // A window of 5 s every 20 s (cron with seconds): open at :00, :20, :40, closed from :05, :25, :45.
  const w = await startNode(t, { dataDir: dirW, role: 'district', province: address, bandwidth: CAP, schedule: '0,20,40 * * * * *|5,25,45 * * * * *' })
  const partialW = join(dirP, 'replica', 'partial', 'd', seedW.peerId, seedW.records[0].files[0].sha256)
  const size = async (): Promise<number> => await stat(partialW).then(s => s.size, () => 0)
  await waitFor('the transfer to start in the window', async () => (await size()) > 0, 60_000, 100)
  await waitFor('the window to close', async () => (await api(w, 'GET', '/api/v1/sync/status')).body.window.open === false, 20_000, 100)
  await new Promise(resolve => setTimeout(resolve, 1000))
  const paused = await size()
  await new Promise(resolve => setTimeout(resolve, 2000))
  t.ok(paused > 0 && paused < SIZE, `paused with ${paused} bytes at the province`)
  t.equal(await size(), paused, 'nothing moves outside the window')
  t.ok(w.logs.some(l => l.includes('replicated to the province') && l.includes('"paused":true')), 'the district logged the pause')
  t.equal((await api(w, 'GET', '/api/v1/sync/status')).body.acked, 0)
  await waitFor('the next window to resume the file', async () => (await size()) > paused, 30_000, 250)
  await w.stop()
  await province.stop()
})
