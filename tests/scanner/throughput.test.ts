/**
 * Full-size colour scans reach intake whole: a 10-page 300 dpi colour ADF batch from the test backend (at its
 * default area and at its largest, 200×200 mm), and a real A4 page (a sample scan, 2480×3508 at 300 dpi)
 * served by the pnm backend. Every sheet is acknowledged once, in order, with its real size and dpi, and its
 * event says how long it took and whether the scanner was held. A functional check: speed is measured, and
 * the bar (the scanner never waits; intake keeps up with 60 pages/min while OCR runs behind) is
 * reported, by tests/bench/scan.bench.ts. The figures of this run are printed as comments only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import type { BatchEvent } from '../../appliance/src/scanner/index.js'
import { CORPUS } from '../helpers/tmp.js'
import { ADF, batchPages, openHarness, startScan, waitForStatus } from './setup.js'

type Scanned = Extract<BatchEvent, { type: 'page-scanned' }>

t.test('10-page 300 dpi colour ADF batch from the test backend', async t => {
  const h = await openHarness(t)
  for (const [label, options, size] of [
    ['80×100 mm (backend default)', { 'test-picture': 'Color pattern' }, [944, 1181]],
    ['200×200 mm (backend maximum)', { 'test-picture': 'Color pattern', 'br-x': 200, 'br-y': 200 }, [2362, 2362]]
  ] as const) {
    const scanned: Scanned[] = []
    const batchId = await startScan(t, h, { source: ADF, resolution: 300, mode: 'Color', options })
    const off = h.scanners.events.subscribe(batchId, e => { if (e.type === 'page-scanned') scanned.push(e) })
    await waitForStatus(h.store, batchId, 'finished', 60_000)
    off()
    const pages = await batchPages(h.store, batchId)
    t.equal(pages.length, 10, label)
    t.same(pages.map(p => p.sheet), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'each sheet once, in order')
    t.ok(pages.every(p => p.dpi === 300 && p.mime === 'image/png' && p.width === size[0] && p.height === size[1]), `${size[0]}×${size[1]} px at 300 dpi`)
    t.same(scanned.map(e => e.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    t.same(scanned.map(e => e.pageId), pages.map(p => p.id), 'each event names its stored page')
    t.ok(scanned.every(e => Number.isInteger(e.ackMs) && e.ackMs >= 0 && Number.isInteger(e.heldMs) && e.heldMs >= 0), 'with its timings')
    t.comment(`${label}: scanner→ack median ${median(scanned.map(e => e.ackMs))} ms, max ${Math.max(...scanned.map(e => e.ackMs))} ms; ` +
      `scanner held ${scanned.reduce((a, e) => a + e.heldMs, 0)} ms in all; PNG ${(pages[0].size / 1024).toFixed(0)} KiB`)
  }
})

t.test('A4 300 dpi colour sample page through the pnm backend', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-pnm-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  const { data, info } = await sharp(join(CORPUS, '0000.jpg')).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const file = join(dir, 'page.ppm')
  await writeFile(file, Buffer.concat([Buffer.from(`P6\n${info.width} ${info.height}\n255\n`, 'ascii'), data]))
  const h = await openHarness(t)
  const acks: number[] = []
  for (let i = 0; i < 3; i++) {
    const batchId = await startScan(t, h, { resolution: 300, options: { filename: file } }, 'pnm:0')
    const off = h.scanners.events.subscribe(batchId, e => { if (e.type === 'page-scanned') acks.push(e.ackMs) })
    await waitForStatus(h.store, batchId, 'finished', 30_000)
    off()
    const pages = await batchPages(h.store, batchId)
    t.equal(pages.length, 1, 'one sheet per flatbed batch')
    t.match(pages[0], { sheet: 1, dpi: 300, width: info.width, height: info.height, mime: 'image/png' })
    // Lossless: the stored page decodes to the very pixels the scanner sent.
    const stored = await sharp(await h.store.files.read(pages[0].sha256)).removeAlpha().raw().toBuffer()
    t.ok(stored.equals(data), 'the stored PNG holds the scanned pixels exactly')
  }
  t.equal(acks.length, 3)
  t.comment(`${info.width}×${info.height} px colour: scanner→ack ${acks.join(', ')} ms`)
})

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}
