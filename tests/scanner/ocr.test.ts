/**
 * The whole chain with real OCR (the one slow test of the scanner service): a sample document served by
 * the pnm backend as a 300 dpi colour scan, through the scanner service, intake and the real pipeline
 * (sharp preparation, tesseract.js Vietnamese OCR, the search index), comes out as a searchable record
 * with its text; the events report the page scanned, then recognized and indexed. While OCR runs, more
 * sheets are scanned and acknowledged (how fast: tests/bench/scan.bench.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import { closeImaging, DEFAULT_MAX_PIXELS } from '../../appliance/src/imaging/index.js'
import { createOcrPool } from '../../appliance/src/ocr/index.js'
import { Inventory } from '../../appliance/src/inventory/index.js'
import { createRecordSteps, createSteps, Pipeline, RecordStepRunner } from '../../appliance/src/pipeline/index.js'
import { RecordLifecycle } from '../../appliance/src/records/index.js'
import { Units } from '../../appliance/src/units/index.js'
import type { BatchEvent } from '../../appliance/src/scanner/index.js'
import { corpusTruth } from '../imaging/helpers.js'
import { CORPUS } from '../helpers/tmp.js'
import { logger, openHarness, startScan, waitFor, waitForStatus } from './setup.js'

t.test('a sample document scanned through pnm becomes a searchable record', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-scan-ocr-'))
  const ocr = await createOcrPool({ workers: 1, cacheDir: join(dir, 'tesseract') })
  t.teardown(async () => {
    await ocr.close()
    await closeImaging()
    await rm(dir, { recursive: true, force: true })
  })
  const truth = corpusTruth().find(x => x.file === '0000.jpg')!
  const { data, info } = await sharp(join(CORPUS, '0000.jpg')).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const file = join(dir, 'page.ppm')
  await writeFile(file, Buffer.concat([Buffer.from(`P6\n${info.width} ${info.height}\n255\n`, 'ascii'), data]))

  const h = await openHarness(t, {
    // The page steps and, after them, the record steps (segment, extract, index) as node.ts wires them.
    pipeline: async ({ store, records, search }) => new Pipeline({
      store, logger, maxAttempts: 2, steps: await createSteps({ store, records, search, ocr, ocrConcurrency: 1, maxPixels: DEFAULT_MAX_PIXELS }),
      recordSteps: new RecordStepRunner({
        store, logger,
        steps: createRecordSteps({ store, records, search, lifecycle: new RecordLifecycle(store), inventory: new Inventory(store, new Units(store)), extractor: 'test-extract' })
      })
    })
  })

  const events: BatchEvent[] = []
  const batchId = await startScan(t, h, { resolution: 300, options: { filename: file } }, 'pnm:0')
  h.scanners.events.subscribe(batchId, e => events.push(e))
  await waitForStatus(h.store, batchId, 'finished', 30_000)

  // More sheets while the first page is in OCR: their acknowledgement does not wait on it.
  const acks: number[] = []
  const started = performance.now()
  const more = 3
  for (let i = 0; i < more; i++) {
    const next = await startScan(t, h, { resolution: 300, options: { filename: file } }, 'pnm:0')
    const off = h.scanners.events.subscribe(next, e => { if (e.type === 'page-scanned') acks.push(e.ackMs) })
    await waitForStatus(h.store, next, 'finished', 30_000)
    off()
  }
  const perMin = more / ((performance.now() - started) / 60_000)
  const ocrStillBusy = !events.some(e => e.type === 'page-recognized')
  t.comment(`while OCR ran: ${more} A4 sheets at ${perMin.toFixed(0)} pages/min, scanner→ack ${acks.join(', ')} ms (first page still in OCR: ${ocrStillBusy})`)
  // Speed is measured in tests/bench/scan.bench.ts; here: every sheet was stored while OCR had work.
  t.equal(acks.length, more, 'each sheet acknowledged while OCR runs')

  await waitFor(() => events.some(e => e.type === 'page-indexed'), 120_000, 'OCR and indexing')
  t.same(events.map(e => e.type), ['page-scanned', 'finished', 'page-recognized', 'page-indexed'])

  const batch = await h.records.batch(batchId)
  const record = await h.records.get(batch.records[0])
  t.match(record.pages[0], { dpi: 300, width: info.width, height: info.height, mime: 'image/png', ocrRuns: 1 })
  t.ok(record.text.includes(truth.so_ky_hieu), `the document number ${truth.so_ky_hieu} is in the text`)
  await waitFor(async () => (await h.records.get(record.id)).pages[0].stage === 'indexed', 30_000, 'indexing')
  // The page done, the record's index step follows (after its fields are read).
  const search = async () => await h.app.inject({ url: `/api/v1/search?q=${encodeURIComponent(truth.so_ky_hieu)}` })
  await waitFor(async () => JSON.stringify((await search()).json()).includes(record.id), 30_000, 'the record indexed')
  const found = await search()
  t.equal(found.statusCode, 200)
  t.ok(JSON.stringify(found.json()).includes(record.id), 'found by its document number')
})
