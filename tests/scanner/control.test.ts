/**
 * Controlling running batches: cancel, one batch per scanner, a saned killed or frozen mid-scan, the
 * appliance stopping, and a restart that finds a batch still marked `scanning`. The test backend is slowed
 * with `read-delay` so that a batch is still running when the test acts.
 */
import t from 'tap'
import { startSaned } from '../helpers/saned.js'
import { ScannerService } from '../../appliance/src/scanner/index.js'
import { ADF, batchPages, logger, openHarness, slowOptions, startScan, waitFor, waitForStatus } from './setup.js'

t.test('cancel a running batch: it stops after the sheet in progress, pages kept', async t => {
  const h = await openHarness(t)
  const batchId = await startScan(t, h, { source: ADF, resolution: 50, options: slowOptions(100) })
  const events = h.record(batchId)
  await waitFor(() => events.some(e => e.type === 'page-scanned'), 5000, 'a first page')
  const started = Date.now()
  const res = await h.app.inject({ method: 'POST', url: `/api/v1/batches/${batchId}/cancel` })
  const ms = Date.now() - started
  t.equal(res.statusCode, 200, res.body)
  t.match(res.json(), { id: batchId, status: 'cancelled' })
  t.ok(ms < 1500, `cancel answered in ${ms} ms`)
  const batch = await h.store.getBatch(batchId)
  const pages = await batchPages(h.store, batchId)
  t.ok(pages.length >= 1 && pages.length < 10, `${pages.length} pages kept`)
  t.equal(batch?.pageCount, pages.length)
  t.same(pages.map(p => p.sheet), pages.map((_, i) => i + 1))
  t.equal(events.at(-1)?.type, 'cancelled')
  t.equal(h.scanners.runningBatch(h.id()), undefined, 'the scanner is free')

  const again = await h.app.inject({ method: 'POST', url: `/api/v1/batches/${batchId}/cancel` })
  t.equal(again.statusCode, 200, 'cancelling twice is harmless')
  const resume = await h.app.inject({ method: 'POST', url: `/api/v1/batches/${batchId}/resume` })
  t.same([resume.statusCode, resume.json().error, resume.json().details.status], [409, 'BATCH_STATE', 'cancelled'])
  const accepted = await h.app.inject({ method: 'POST', url: `/api/v1/scanners/${h.id()}/scan`, payload: { unit: '622', resolution: 50 } })
  t.equal(accepted.statusCode, 202, 'the scanner takes a new batch')
  await waitForStatus(h.store, accepted.json().batchId, 'finished')
})

t.test('cancel a paused batch; a finished one cannot be cancelled; other batches are not scan batches', async t => {
  const h = await openHarness(t, { beforeSheet: async ({ n, device }) => { if (n === 2) await device.setOption('read-return-value', 'SANE_STATUS_COVER_OPEN') } })
  const paused = await startScan(t, h, { source: ADF, resolution: 50 })
  await waitForStatus(h.store, paused, 'paused')
  const res = await h.app.inject({ method: 'POST', url: `/api/v1/batches/${paused}/cancel` })
  t.match(res.json(), { status: 'cancelled', pageCount: 1 })

  const flat = await startScan(t, h, { source: 'Flatbed', resolution: 50 })
  await waitForStatus(h.store, flat, 'finished')
  const refused = await h.app.inject({ method: 'POST', url: `/api/v1/batches/${flat}/cancel` })
  t.same([refused.statusCode, refused.json().error], [409, 'BATCH_STATE'])

  const api = await h.app.inject({ method: 'POST', url: '/api/v1/batches', payload: { unit: '622' } })
  const other = await h.app.inject({ method: 'POST', url: `/api/v1/batches/${api.json().id as string}/resume` })
  t.same([other.statusCode, other.json().details.reason], [409, 'not-a-scan-batch'])
  const missing = await h.app.inject({ method: 'POST', url: '/api/v1/batches/b_00000000000000000000000/cancel' })
  t.same([missing.statusCode, missing.json().error], [404, 'BATCH_NOT_FOUND'])
})

t.test('one batch per scanner: a second start is refused with 409, another scanner runs alongside', async t => {
  const h = await openHarness(t)
  const first = await startScan(t, h, { source: ADF, resolution: 50, options: slowOptions(100) })
  const second = await h.app.inject({ method: 'POST', url: `/api/v1/scanners/${h.id()}/scan`, payload: { unit: '622' } })
  t.equal(second.statusCode, 409)
  t.match(second.json(), { error: 'SCANNER_BUSY', messageEn: /already running a batch/, details: { batchId: first } })

  const list = (await h.app.inject({ url: '/api/v1/scanners' })).json()
  const busy = list.scanners.find((s: any) => s.device === 'test:0')
  t.match(busy, { state: 'busy', batchId: first })
  t.equal(list.scanners.find((s: any) => s.device === 'test:1').state, 'ready')

  const other = await startScan(t, h, { source: ADF, resolution: 50 }, 'test:1')
  await waitForStatus(h.store, other, 'finished')
  t.equal((await h.store.getBatch(first))?.status, 'scanning', 'the first batch still runs')
  await h.app.inject({ method: 'POST', url: `/api/v1/batches/${first}/cancel` })
  t.equal((await h.store.getBatch(first))?.status, 'cancelled')

  // Two starts at the same instant: exactly one wins.
  const both = await Promise.all([0, 1].map(async () => await h.app.inject({ method: 'POST', url: `/api/v1/scanners/${h.id()}/scan`, payload: { unit: '622', resolution: 50 } })))
  t.same(both.map(r => r.statusCode).sort(), [202, 409])
  await waitForStatus(h.store, both.find(r => r.statusCode === 202)!.json().batchId, 'finished')
})

t.test('saned killed mid-scan: the batch pauses (unreachable) within the timeout, pages kept', async t => {
  const saned = await startSaned()
  t.teardown(saned.stop)
  const h = await openHarness(t, { saned, timeoutMs: 2000 })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50, options: slowOptions(100) })
  const events = h.record(batchId)
  await waitFor(() => events.some(e => e.type === 'page-scanned'), 5000, 'a first page')
  const killed = Date.now()
  saned.kill('SIGKILL')
  const paused = await waitForStatus(h.store, batchId, 'paused', 4000)
  const ms = Date.now() - killed
  t.ok(ms < 2000, `paused ${ms} ms after the kill (timeout 2000 ms)`)
  t.match(paused.reason, /^SANE_UNREACHABLE: .+ \/ Cannot reach the scan server/)
  t.ok(paused.pageCount >= 1)
  t.equal((await batchPages(h.store, batchId)).length, paused.pageCount)
  t.match(events.at(-1), { type: 'paused', code: 'SANE_UNREACHABLE', pages: paused.pageCount })

  const resume = await h.app.inject({ method: 'POST', url: `/api/v1/batches/${batchId}/resume` })
  t.same([resume.statusCode, resume.json().error], [502, 'SANE_UNREACHABLE'], 'resume says why it cannot')
  t.equal((await h.store.getBatch(batchId))?.status, 'paused', 'and the batch stays paused')
  const list = (await h.app.inject({ url: '/api/v1/scanners' })).json()
  t.match(list.hosts[0], { state: 'unreachable', error: { code: 'SANE_UNREACHABLE' } })
  t.ok(list.scanners.length >= 1 && list.scanners.every((s: any) => s.state === 'unreachable' && s.error.code === 'SANE_UNREACHABLE'),
    'scanners seen before are listed as unreachable')
})

t.test('saned frozen mid-scan (accepts, never answers): paused with a timeout, never a hang', async t => {
  const saned = await startSaned()
  t.teardown(saned.stop)
  const h = await openHarness(t, { saned, timeoutMs: 500 })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50, options: slowOptions(50) })
  const events = h.record(batchId)
  await waitFor(() => events.some(e => e.type === 'page-scanned'), 5000, 'a first page')
  const frozen = Date.now()
  saned.kill('SIGSTOP')
  t.teardown(() => saned.kill('SIGCONT'))
  const paused = await waitForStatus(h.store, batchId, 'paused', 3000)
  const ms = Date.now() - frozen
  t.ok(ms < 1500, `paused ${ms} ms after saned froze (timeout 500 ms)`)
  t.match(paused.reason, /^SANE_TIMEOUT: /)
})

t.test('stopping the appliance pauses a running batch (interrupted); a new service resumes it', async t => {
  const saned = await startSaned()
  t.teardown(saned.stop)
  const h = await openHarness(t, { saned })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50, options: slowOptions(50) })
  const events = h.record(batchId)
  await waitFor(() => events.some(e => e.type === 'page-scanned'), 5000, 'a first page')
  await h.scanners.stop()
  const paused = await h.store.getBatch(batchId)
  t.equal(paused?.status, 'paused')
  t.match(paused?.reason, /^SCAN_INTERRUPTED: /)
  t.equal((await batchPages(h.store, batchId)).length, paused?.pageCount)

  const again = new ScannerService({ hosts: [`${saned.host}:${saned.port}`], timeoutMs: 5000, store: h.store, intake: h.intake, logger })
  t.teardown(async () => await again.stop())
  await again.start()
  await again.resume(batchId)
  const done = await waitForStatus(h.store, batchId, 'finished', 15_000)
  t.equal(done.pageCount, paused!.pageCount + 10, 'scanned on into the same batch with the settings it started with')
  const pages = await batchPages(h.store, batchId)
  t.same(pages.map(p => p.sheet), pages.map((_, i) => i + 1))
})

t.test('a batch a crash left `scanning` is paused (interrupted) when the service starts', async t => {
  const saned = await startSaned()
  t.teardown(saned.stop)
  const h = await openHarness(t, { saned })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50, options: slowOptions(100) })
  // The old process is still "scanning" as far as the store knows; a new one starts on the same data.
  const restarted = new ScannerService({ hosts: [`${saned.host}:${saned.port}`], timeoutMs: 5000, store: h.store, intake: h.intake, logger })
  t.teardown(async () => await restarted.stop())
  await restarted.start()
  const batch = await h.store.getBatch(batchId)
  t.equal(batch?.status, 'paused')
  t.match(batch?.reason, /^SCAN_INTERRUPTED: .+ \/ The scan was interrupted/)
  await h.scanners.stop()
})
