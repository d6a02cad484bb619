/**
 * Scan batches through the HTTP API with a real saned (test backend), a real store and intake: a full
 * feeder, a flatbed sheet, scanner faults mid-batch, resume into the same batch, an empty feeder, and
 * nothing ever stored twice.
 *
 * How a fault "after N pages" is made: the test backend's `read-return-value` makes every sane_read fail
 * from the moment it is set, and none of its options counts sheets (`read-limit-size` only shortens reads,
 * `read-delay` only slows them), so setting it at the start fails sheet 1. The batch runner's
 * `beforeSheet` hook gets the open device before each sheet; the test sets the option there before sheet
 * N, a real CONTROL_OPTION through saned, and sheet N's transfer then ends with that status.
 *
 * The test backend's feeder holds 10 sheets per connection, and every run (a start, each resume) opens a
 * new connection, so a resumed run scans 10 more: a batch jammed at sheet 4 ends with 3 + 10 pages.
 */
import sharp from 'sharp'
import t, { type Test } from 'tap'
import type { SaneDevice } from '../../appliance/src/scanner/index.js'
import { ADF, batchPages, openHarness, startScan, UNIT, waitForStatus, type Harness } from './setup.js'

/** Pages are sheets 1..n once each, with bytes that hash to what the store says and all different. */
async function assertPagesOnce (t: Test, h: Harness, batchId: string, n: number): Promise<void> {
  const pages = await batchPages(h.store, batchId)
  t.same(pages.map(p => p.sheet), Array.from({ length: n }, (_, i) => i + 1), `sheets 1..${n}, in order, once each`)
  t.equal(new Set(pages.map(p => p.sha256)).size, n, 'distinct masters')
  t.ok(pages.every(p => p.bytesSha === p.sha256), 'every stored file is whole')
  const batch = await h.store.getBatch(batchId)
  t.equal(batch?.pageCount, n)
  t.equal(batch?.recordIds.length, n, 'one record per sheet')
}

t.test('a 10-page ADF batch from the test backend ends finished with 10 records', async t => {
  const h = await openHarness(t)
  const batchId = await startScan(t, h, { source: ADF, resolution: 75 })
  const batch = await waitForStatus(h.store, batchId, 'finished')
  t.equal(batch.reason, undefined)
  await assertPagesOnce(t, h, batchId, 10)
  const pages = await batchPages(h.store, batchId)
  t.ok(pages.every(p => p.mime === 'image/png' && p.dpi === 75 && p.width === 236 && p.height === 295), 'lossless PNG with the real dpi')
  const meta = await sharp(await h.store.files.read(pages[0].sha256)).metadata()
  t.same([meta.format, meta.channels, meta.depth, meta.density], ['png', 3, 'uchar', 75], 'colour, 8 bits per channel (the default profile)')
  const view = (await h.app.inject({ url: `/api/v1/batches/${batchId}` })).json()
  t.match(view, { status: 'finished', source: 'scanner', pageCount: 10, unit: UNIT })
})

t.test('a flatbed scans one sheet and finishes', async t => {
  const h = await openHarness(t)
  const batchId = await startScan(t, h, { source: 'Flatbed', resolution: 50 })
  await waitForStatus(h.store, batchId, 'finished')
  await assertPagesOnce(t, h, batchId, 1)
})

for (const status of ['JAMMED', 'COVER_OPEN', 'IO_ERROR'] as const) {
  t.test(`SANE_STATUS_${status} at sheet 4: paused with 3 pages kept; resume finishes the same batch`, async t => {
    let fault: string | null = `SANE_STATUS_${status}`
    let faulty: SaneDevice | null = null
    const h = await openHarness(t, {
      beforeSheet: async ({ n, device }) => {
        if (n === 4 && fault !== null) { faulty = device; await device.setOption('read-return-value', fault) }
        // The operator cleared the fault: the option goes back to normal on whatever device scans now.
        if (fault === null && faulty !== null) { faulty = null; await device.setOption('read-return-value', 'Default') }
      }
    })
    const batchId = await startScan(t, h, { source: ADF, resolution: 50 })
    const paused = await waitForStatus(h.store, batchId, 'paused')
    const code = status === 'IO_ERROR' ? 'SANE_IO_ERROR' : `SANE_${status}`
    t.match(paused.reason, new RegExp(`^${code}: .+ / .+`), `reason: ${paused.reason}`)
    t.equal(paused.pageCount, 3, 'the pages before the fault are kept')
    await assertPagesOnce(t, h, batchId, 3)
    t.equal(h.scanners.runningBatch(h.id()), undefined, 'the scanner is free again')

    fault = null
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/batches/${batchId}/resume` })
    t.equal(res.statusCode, 202, res.body)
    t.same(res.json(), { batchId })
    const done = await waitForStatus(h.store, batchId, 'finished')
    t.equal(done.reason, undefined, 'the pause reason is gone')
    await assertPagesOnce(t, h, batchId, 13)
  })
}

t.test('paper jam reason is given in Vietnamese and English', async t => {
  const h = await openHarness(t, {
    beforeSheet: async ({ n, device }) => { if (n === 2) await device.setOption('read-return-value', 'SANE_STATUS_JAMMED') }
  })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50 })
  const paused = await waitForStatus(h.store, batchId, 'paused')
  t.equal(paused.reason, 'SANE_JAMMED: Kẹt giấy: hãy gỡ giấy kẹt rồi tiếp tục / Paper jam: clear the paper, then resume')
})

t.test('an empty feeder at the first sheet pauses ("feeder empty"); after loading paper, resume scans it', async t => {
  let emptied = false
  const h = await openHarness(t, {
    beforeSheet: async ({ n, device }) => {
      // Another front end took all 10 sheets: the runner's own START meets an empty feeder.
      if (n === 1 && !emptied) { emptied = true; for (let i = 0; i < 10; i++) await device.scanPage() }
    }
  })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50 })
  const paused = await waitForStatus(h.store, batchId, 'paused')
  t.match(paused.reason, /^SANE_NO_DOCS: .*Feeder empty/)
  t.equal(paused.pageCount, 0)
  const res = await h.app.inject({ method: 'POST', url: `/api/v1/batches/${batchId}/resume` })
  t.equal(res.statusCode, 202)
  await waitForStatus(h.store, batchId, 'finished')
  await assertPagesOnce(t, h, batchId, 10)
})

t.test('an empty feeder after a resumed batch has pages ends it finished', async t => {
  let jammed = false
  let runs = 0
  const h = await openHarness(t, {
    beforeSheet: async ({ n, device }) => {
      if (n === 3 && !jammed) { jammed = true; await device.setOption('read-return-value', 'SANE_STATUS_JAMMED') } else if (jammed && runs++ === 0) {
        // The jam was the last sheet: the operator resumes with nothing left in the feeder.
        for (let i = 0; i < 10; i++) await device.scanPage()
      }
    }
  })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50 })
  await waitForStatus(h.store, batchId, 'paused')
  t.equal((await h.app.inject({ method: 'POST', url: `/api/v1/batches/${batchId}/resume` })).statusCode, 202)
  const done = await waitForStatus(h.store, batchId, 'finished')
  t.equal(done.pageCount, 2)
})

t.test('bad requests are refused before any batch exists', async t => {
  const h = await openHarness(t)
  const before = await countBatches(h)
  const cases: Array<[Record<string, unknown>, number, string]> = [
    [{ source: ADF, resolution: 5000 }, 400, 'SANE_INVALID'],
    [{ mode: 'Sepia' }, 400, 'SANE_INVALID'],
    [{ options: { 'no-such-option': 1 } }, 400, 'SANE_UNSUPPORTED'],
    [{ options: { 'read-return-value': 'SANE_STATUS_NOT_A_STATUS' } }, 400, 'SANE_INVALID'],
    [{ unit: 'no-such-unit' }, 400, 'UNKNOWN_UNIT'],
    [{ colour: true }, 400, 'VALIDATION']
  ]
  for (const [body, status, code] of cases) {
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/scanners/${h.id()}/scan`, payload: { unit: UNIT, ...body } })
    t.equal(res.statusCode, status, JSON.stringify(body))
    t.equal(res.json().error, code)
  }
  const unknown = await h.app.inject({ method: 'POST', url: `/api/v1/scanners/${h.id('test:9')}/scan`, payload: { unit: UNIT } })
  t.same([unknown.statusCode, unknown.json().error], [404, 'SANE_UNKNOWN_DEVICE'])
  t.equal(await countBatches(h), before, 'no batch was made')
  t.equal(h.scanners.runningBatch(h.id()), undefined, 'the scanner is free')
  const ok = await startScan(t, h, { source: ADF, resolution: 50, mode: 'gray', options: { 'test-picture': 'Grid' } })
  await waitForStatus(h.store, ok, 'finished')
  const [first] = await batchPages(h.store, ok)
  const meta = await sharp(await h.store.files.read(first.sha256)).metadata()
  t.equal(meta.channels, 1, 'mode "gray" matched the device\'s "Gray"')
})

async function countBatches (h: Harness): Promise<number> {
  let n = 0
  for await (const _ of h.store.listBatches()) n++
  return n
}
