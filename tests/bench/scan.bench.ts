/**
 * Scanning into a real appliance while OCR runs behind (issue 3's benchmark). A real saned on loopback serves
 * two scanners: the `test` backend as an ADF (colour, 8 bits, 300 dpi, at its largest area 200×200 mm, since the
 * backend stops there short of A4; its feeder empties after 10 sheets, so the batch is run as several feeder
 * loads back to back), and the `pnm` backend serving a real A4 page (a sample scan, 2481×3507 at 300 dpi, with
 * scanner-like grain so the lossless PNG weighs what a real scan does), one sheet per flatbed batch. The
 * appliance (`bin/sohoa.js start`, 2 OCR workers) is first given corpus pages to recognise, so OCR saturates
 * both cores for the whole run. Scans are started over HTTP; the timings come from each sheet's `page-scanned`
 * event on the batch's event stream (`ackMs`: last image byte read → durable acknowledgement, measured inside
 * the appliance; `heldMs`: time the scanner was kept from its next sheet because intake was behind).
 *
 * Figures: acknowledged pages/min over the whole run; ack p50/p95/max; the scanner's time held by sohoa; the
 * intake's own capacity (60 000 / mean time intake spent per sheet) and where it goes (PNG encoding, file write
 * with fsync, database commit: from the appliance's debug lines); the scanner's speed alone (our SANE client, no
 * intake, before the appliance starts) against its speed while feeding sohoa; the OCR backlog at the end (OCR was
 * behind the scanner throughout).
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { SaneClient } from '../../appliance/src/scanner/index.js'
import { createToken, startAppliance, type Appliance } from '../helpers/appliance.js'
import { startSaned, type RunningSaned } from '../helpers/saned.js'
import { CORPUS } from '../helpers/tmp.js'
import { mean, percentile } from './stats.js'

const ADF = 'Automatic Document Feeder'
const UNIT = '622'
const ADF_OPTIONS = { 'test-picture': 'Color pattern', 'br-x': 200, 'br-y': 200 }

export interface ScanBenchOptions {
  /** Feeder loads of 10 sheets each in the ADF run. Default 3 (30 sheets). */
  feederLoads?: number
  /** One-sheet pnm batches of the A4 page. Default 20. */
  a4Sheets?: number
  /** Corpus pages posted first to keep OCR busy. Default 24 (the whole sample corpus). */
  loadPages?: number
}

interface Sheet {
  n: number
  pageId: string
  recordId: string
  ackMs: number
  heldMs: number
  /** When the bench received the event (≈ the acknowledgement), performance.now() of this process. */
  at: number
}

interface Run {
  sheets: Sheet[]
  /** performance.now() when the first scan was requested. */
  started: number
  batchIds: string[]
}

/** Where intake's time went per sheet, from the appliance's debug line `sheet stored`. */
interface Breakdown { encodeMs: number[], writeMs: number[], commitMs: number[], bytes: number[] }

function breakdown (logs: string[], batchIds: string[]): Breakdown {
  const wanted = new Set(batchIds)
  const out: Breakdown = { encodeMs: [], writeMs: [], commitMs: [], bytes: [] }
  for (const line of logs) {
    if (!line.includes('"sheet stored"')) continue
    const entry = JSON.parse(line) as { batchId: string, encodeMs: number, intakeMs: Record<string, number>, bytes: number }
    if (!wanted.has(entry.batchId)) continue
    out.encodeMs.push(entry.encodeMs)
    out.writeMs.push(entry.intakeMs.files ?? NaN)
    out.commitMs.push(entry.intakeMs.commit ?? NaN)
    out.bytes.push(entry.bytes)
  }
  return out
}

export async function benchScan (opts: ScanBenchOptions = {}): Promise<Record<string, number | string>> {
  const feederLoads = opts.feederLoads ?? 3
  const a4Sheets = opts.a4Sheets ?? 20
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-bench-scan-'))
  let saned: RunningSaned | undefined
  let app: Appliance | undefined
  try {
    saned = await startSaned()
    const a4 = await grainyA4(join(dir, 'page.ppm'))
    const aloneAdf = await scannerAloneAdf(saned)
    const aloneA4 = await scannerAloneA4(saned, a4.file, 5)

    // Debug level for the per-sheet `sheet stored` lines (ids and timings only).
    app = await startAppliance({ dataDir: join(dir, 'data'), env: { SOHOA_OCR_WORKERS: '2', SOHOA_SANED_HOSTS: `${saned.host}:${saned.port}`, SOHOA_LOG_LEVEL: 'debug' } })
    const api = new Api(app.url, (await createToken(app.url, 'admin')).secret)
    const corpus = (await readdir(CORPUS)).filter(f => f.endsWith('.jpg')).slice(0, opts.loadPages ?? 24)
    for (const f of corpus) await api.postPage(await readFile(join(CORPUS, f)), f)
    await new Promise(resolve => setTimeout(resolve, 3000)) // let OCR saturate both cores
    const depthBefore = await api.queueDepth()
    const { scanners } = await api.json('GET', '/api/v1/scanners?options=false') as { scanners: Array<{ id: string, device: string }> }
    const idOf = (device: string): string => scanners.find(s => s.device === device)!.id

    // The event id of "now", from any batch's stream: each scan's stream then replays from it, so no event is
    // missed between the 202 and the stream's opening.
    let cursor = await api.cursor()
    const scan = async (device: string, body: Record<string, unknown>, run: Run): Promise<void> => {
      const { batchId } = await api.json('POST', `/api/v1/scanners/${idOf(device)}/scan`, { unit: UNIT, ...body }) as { batchId: string }
      run.batchIds.push(batchId)
      cursor = await api.followUntilScanned(batchId, cursor, run.sheets)
    }

    const adf: Run = { sheets: [], started: performance.now(), batchIds: [] }
    for (let load = 0; load < feederLoads; load++) {
      await scan('test:0', { source: ADF, resolution: 300, mode: 'Color', options: ADF_OPTIONS }, adf)
    }
    const depthAfterAdf = await api.queueDepth()
    const a4Run: Run = { sheets: [], started: performance.now(), batchIds: [] }
    for (let i = 0; i < a4Sheets; i++) await scan('pnm:0', { resolution: 300, options: { filename: a4.file } }, a4Run)
    const depthAfterA4 = await api.queueDepth()

    const adfPage = await api.page(adf.sheets[0].recordId)
    const a4Page = await api.page(a4Run.sheets[0].recordId)
    return {
      scan_ocr_workers: 2,
      scan_ocr_queue_at_start: depthBefore,
      ...figures('scan_adf', adf, { px: `${adfPage.width}x${adfPage.height}`, pngKiB: adfPage.size / 1024, alone: aloneAdf, feederLoads }, breakdown(app.logs, adf.batchIds)),
      scan_adf_ocr_queue_at_end: depthAfterAdf,
      ...figures('scan_a4', a4Run, { px: `${a4Page.width}x${a4Page.height}`, pngKiB: a4Page.size / 1024, alone: aloneA4, feederLoads: 0 }, breakdown(app.logs, a4Run.batchIds)),
      scan_a4_ocr_queue_at_end: depthAfterA4
    }
  } finally {
    await app?.stop()
    await saned?.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

function figures (prefix: string, run: Run, page: { px: string, pngKiB: number, alone: number, feederLoads: number }, parts: Breakdown): Record<string, number | string> {
  const { sheets } = run
  const acks = sheets.map(s => s.ackMs)
  const left = sheets.map(s => s.at - s.ackMs)
  // Intake works on a sheet from when it arrives, or when the one before it was done, to its acknowledgement.
  const service = sheets.map((s, i) => s.at - Math.max(left[i], i > 0 ? sheets[i - 1].at : -Infinity))
  // The scanner's pace while feeding sohoa: gaps between sheets leaving it, within one feeder load.
  const gaps = sheets.flatMap((s, i) => i > 0 && s.n > 1 ? [left[i] - left[i - 1]] : [])
  const elapsed = sheets[sheets.length - 1].at - run.started
  return {
    [`${prefix}_pages`]: sheets.length,
    ...(page.feederLoads > 0 ? { [`${prefix}_feeder_loads`]: page.feederLoads } : {}),
    [`${prefix}_page_px`]: page.px,
    [`${prefix}_png_kib`]: Math.round(page.pngKiB),
    [`${prefix}_acked_pages_per_min`]: round(sheets.length / (elapsed / 60_000)),
    [`${prefix}_ack_p50_ms`]: percentile(acks, 50),
    [`${prefix}_ack_p95_ms`]: percentile(acks, 95),
    [`${prefix}_ack_max_ms`]: Math.max(...acks),
    [`${prefix}_scanner_held_total_ms`]: sheets.reduce((a, s) => a + s.heldMs, 0),
    [`${prefix}_intake_ms_per_page`]: round(mean(service)),
    [`${prefix}_png_encode_p50_ms`]: percentile(parts.encodeMs, 50),
    [`${prefix}_file_write_p50_ms`]: percentile(parts.writeMs, 50),
    [`${prefix}_db_commit_p50_ms`]: percentile(parts.commitMs, 50),
    [`${prefix}_intake_capacity_pages_per_min`]: round(60_000 / mean(service)),
    ...(gaps.length > 0 ? { [`${prefix}_scanner_in_sohoa_pages_per_min`]: round(60_000 / mean(gaps)) } : {}),
    [`${prefix}_scanner_alone_pages_per_min`]: round(page.alone)
  }
}

/** A sample A4 scan with sensor-like grain: what a real 300 dpi colour page costs to encode and store. */
async function grainyA4 (file: string): Promise<{ file: string }> {
  const source = join(CORPUS, '0000.jpg')
  const { width, height } = await sharp(source).metadata()
  const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } } }).png().toBuffer()
  const { data, info } = await sharp(source).composite([{ input: grain, blend: 'soft-light' }]).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  await writeFile(file, Buffer.concat([Buffer.from(`P6\n${info.width} ${info.height}\n255\n`, 'ascii'), data]))
  return { file }
}

/** Pages/min of the test backend's ADF alone: our client reads a feeder load and does nothing with the pages. */
async function scannerAloneAdf (saned: RunningSaned): Promise<number> {
  const client = await SaneClient.connect({ host: saned.host, port: saned.port })
  try {
    const device = await client.open('test:0')
    for (const [name, value] of [['source', ADF], ['mode', 'Color'], ['depth', 8], ['resolution', 300], ...Object.entries(ADF_OPTIONS)] as const) {
      await device.setOption(name, value)
    }
    const started = performance.now()
    let pages = 0
    for await (const page of device.scanBatch()) if (page.width > 0) pages++
    return pages / ((performance.now() - started) / 60_000)
  } finally {
    await client.close()
  }
}

/** Pages/min of the pnm A4 page alone, one sheet per connection as a flatbed batch runs. */
async function scannerAloneA4 (saned: RunningSaned, file: string, sheets: number): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < sheets; i++) {
    const client = await SaneClient.connect({ host: saned.host, port: saned.port })
    try {
      const device = await client.open('pnm:0')
      await device.setOption('filename', file)
      await device.setOption('resolution', 300)
      await device.scanPage({ endBatch: true })
    } finally {
      await client.close()
    }
  }
  return sheets / ((performance.now() - started) / 60_000)
}

/** The appliance's HTTP API as the bench uses it. */
class Api {
  constructor (private readonly url: string, private readonly token: string) {}

  async json (method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return await res.json()
  }

  async postPage (body: Buffer, name: string): Promise<void> {
    const res = await fetch(`${this.url}/api/v1/pages?unit=${UNIT}&filename=${name}`, {
      method: 'POST', headers: { authorization: `Bearer ${this.token}`, 'content-type': 'image/jpeg' }, body: new Uint8Array(body)
    })
    if (res.status !== 201) throw new Error(`post failed: ${res.status} ${await res.text()}`)
    await res.arrayBuffer()
  }

  async queueDepth (): Promise<number> {
    return ((await (await fetch(`${this.url}/healthz`)).json()) as { queueDepth: number }).queueDepth
  }

  /** The record's first page (blank-page detection may have set it aside: test patterns look blank). */
  async page (recordId: string): Promise<{ width: number, height: number, size: number }> {
    type P = { width: number, height: number, size: number }
    const record = await this.json('GET', `/api/v1/records/${recordId}`) as { pages: P[], blankPages?: P[] }
    return [...record.pages, ...(record.blankPages ?? [])][0]
  }

  /** The id of the latest event, read as the `status` id of an empty batch's stream. */
  async cursor (): Promise<string> {
    const { id } = await this.json('POST', '/api/v1/batches', { unit: UNIT }) as { id: string }
    let found: string | undefined
    await this.events(id, undefined, (event, eventId) => { if (event === 'status') found = eventId; return true })
    if (found === undefined) throw new Error('no status event')
    return found
  }

  /** Follows a scan batch's events from `since` until it is finished; returns the id of its last event. */
  async followUntilScanned (batchId: string, since: string, into: Sheet[]): Promise<string> {
    let last = since
    let end: string | undefined
    await this.events(batchId, since, (event, id, data) => {
      last = id
      if (event === 'page-scanned') into.push({ ...data, at: performance.now() })
      if (event === 'paused') throw new Error(`batch paused: ${String(data.reason)}`)
      if (event === 'finished' || event === 'cancelled') end = event
      return end !== undefined
    })
    if (end !== 'finished') throw new Error(`batch ${batchId} ended ${end ?? 'without an end'}`)
    return last
  }

  /** Reads a batch's event stream, calling `onEvent` for each until it returns true. */
  private async events (batchId: string, since: string | undefined, onEvent: (event: string, id: string, data: any) => boolean): Promise<void> {
    const abort = new AbortController()
    const res = await fetch(`${this.url}/api/v1/batches/${batchId}/events`, {
      headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream', ...(since !== undefined ? { 'last-event-id': since } : {}) },
      signal: abort.signal
    })
    if (res.status !== 200 || res.body === null) throw new Error(`events of ${batchId}: ${res.status}`)
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true })
        let cut: number
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          const id = /^id: (.*)$/m.exec(block)?.[1]
          if (event !== undefined && data !== undefined && id !== undefined && onEvent(event, id, JSON.parse(data))) return
        }
      }
      throw new Error(`the events of ${batchId} ended early`)
    } finally {
      abort.abort()
    }
  }
}

const round = (n: number): number => Math.round(n * 10) / 10
