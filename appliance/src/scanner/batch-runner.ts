/**
 * Runs one scan of a batch on an open device: sheet after sheet until the feeder is empty (one sheet from a
 * flatbed), each image encoded as a lossless PNG (two side by side) and handed to intake in scan order while the
 * scanner already reads the next one, so the scanner waits on neither PNG encoding nor the disk (and never on
 * OCR, which runs behind in the pipeline); a sheet's event says how long the scanner was held, if ever.
 * It ends with an outcome (finished, paused with a code, cancelled) once every scanned sheet has been
 * acknowledged or refused; the service records it. The SANE connection is always closed at the end.
 */
import type { Logger } from 'pino'
import { AppError } from '../errors/index.js'
import type { IntakeRequest, IntakeResult } from '../intake/index.js'
import type { BatchEvents } from './events.js'
import { withProvenance } from './provenance.js'
import { encodePng, type SaneClient, type SaneDevice, type ScannedImage } from './sane/index.js'

/** The part of intake a scan needs. */
export interface ScanIntake {
  accept: (req: IntakeRequest) => Promise<IntakeResult>
}

/** Called before each sheet is scanned, with the open device: a seam for fault injection in tests. */
export type BeforeSheetHook = (ctx: { batchId: string, n: number, device: SaneDevice }) => Promise<void> | void

export interface RunPlan {
  batchId: string
  unit: string
  /** "Vendor Model (device)", written into each page. */
  source: string
  /** Scan until the feeder is empty; otherwise one sheet. */
  feeder: boolean
  /** Pages the batch holds already (a resumed batch): sheets are numbered on from there. */
  pagesBefore: number
}

export interface RunDeps {
  intake: ScanIntake
  events: BatchEvents
  logger: Logger
  beforeSheet?: BeforeSheetHook
}

export type RunOutcome =
  | { status: 'finished', pages: number }
  | { status: 'cancelled', pages: number }
  | { status: 'paused', pages: number, error: AppError, /** Sheets that left the scanner but are not stored. */ lost: number }

/** Scanned images held for intake at once (their PNGs are encoded side by side); the scanner works on one more meanwhile. */
const MAX_WAITING = 2
/**
 * zlib level of the masters. Encoding dominates intake for real scans (sensor grain barely compresses): for a
 * 300 dpi colour A4 page with grain, level 3 took about 60 % of level 6's time (0.6 s against 1.0 s on the
 * development VM) for a file 2.2 % larger (11.87 against 11.61 MiB; level 1: 18.1 MiB, level 2: 12.2 MiB).
 */
export const SCAN_PNG_LEVEL = 3

export class BatchRun {
  readonly done: Promise<RunOutcome>
  private readonly abort = new AbortController()
  private stopAs: 'cancel' | 'interrupt' | null = null
  private stored = 0

  constructor (private readonly client: SaneClient, private readonly device: SaneDevice, readonly plan: RunPlan, private readonly deps: RunDeps) {
    this.done = this.run()
  }

  /** Stops after the sheet in progress (the scanner is told to cancel it); the batch ends `cancelled`. */
  cancel (): void {
    this.stop('cancel')
  }

  /** Stops like cancel, but the batch ends `paused` (interrupted), to be resumed later. */
  interrupt (): void {
    this.stop('interrupt')
  }

  private stop (as: 'cancel' | 'interrupt'): void {
    this.stopAs ??= as
    this.abort.abort()
  }

  private async run (): Promise<RunOutcome> {
    const queue = new AcceptQueue()
    let n = this.plan.pagesBefore
    let failure: unknown = null
    try {
      while (this.stopAs === null && queue.error === null) {
        await this.deps.beforeSheet?.({ batchId: this.plan.batchId, n: n + 1, device: this.device })
        if (this.stopAs !== null) break
        const image = await this.device.scanPage({ signal: this.abort.signal, endBatch: !this.plan.feeder })
        const sheet = ++n
        const leftScanner = performance.now()
        const scannedAt = new Date()
        await queue.add(
          async () => await this.encode(image, sheet, scannedAt),
          async (png, heldMs) => await this.store(png, sheet, leftScanner, heldMs))
        if (!this.plan.feeder) break
      }
    } catch (err) {
      failure = err
    } finally {
      await queue.drain()
      await this.client.close()
    }
    const pages = this.plan.pagesBefore + this.stored
    const lost = n - pages
    if (this.stopAs === 'cancel') return { status: 'cancelled', pages }
    if (this.stopAs === 'interrupt') return { status: 'paused', pages, lost, error: new AppError('SCAN_INTERRUPTED', { reason: 'stopping' }) }
    if (queue.error !== null) return { status: 'paused', pages, lost, error: asAppError(queue.error) }
    if (failure === null) return { status: 'finished', pages }
    const error = asAppError(failure)
    // An empty feeder is the normal end of a batch, unless it holds no page yet: then the operator loads paper.
    if (error.code === 'SANE_NO_DOCS' && pages > 0) return { status: 'finished', pages }
    return { status: 'paused', pages, lost, error }
  }

  private async encode (image: ScannedImage, n: number, scannedAt: Date): Promise<{ png: Buffer, encodeMs: number }> {
    const { batchId, source } = this.plan
    const started = performance.now()
    const png = withProvenance(await encodePng(image, { compressionLevel: SCAN_PNG_LEVEL }), { source, batchId, n, scannedAt })
    return { png, encodeMs: Math.round(performance.now() - started) }
  }

  private async store ({ png, encodeMs }: { png: Buffer, encodeMs: number }, n: number, leftScanner: number, heldMs: number): Promise<void> {
    const { batchId, unit } = this.plan
    const result = await this.deps.intake.accept({
      unit, bytes: png, batchId, source: 'scanner', filename: `scan-${String(n).padStart(4, '0')}.png`, declaredType: 'image/png'
    })
    const ackMs = Math.round(performance.now() - leftScanner)
    this.stored++
    const pageId = result.pages[0]?.id ?? ''
    const intakeMs = Object.fromEntries(Object.entries(result.timings ?? {}).map(([k, v]) => [k, Math.round(v)]))
    this.deps.logger.debug({ batchId, n, pageId, ackMs, heldMs, encodeMs, intakeMs, bytes: png.length }, 'sheet stored')
    this.deps.events.emit(batchId, { type: 'page-scanned', n, pageId, recordId: result.recordId, ackMs, heldMs })
  }
}

/**
 * Takes sheets into intake: `add` waits while MAX_WAITING sheets are in hand (the scanner is then held), then
 * starts preparing the sheet (PNG encoding) at once, beside the sheets before it, while the commits (intake)
 * run one at a time in scan order. The commit is told how long its `add` waited. Stops at the first error.
 */
class AcceptQueue {
  error: unknown = null
  private tail: Promise<void> = Promise.resolve()
  private waiting = 0
  private readonly wakers: Array<() => void> = []

  async add<T> (prepare: () => Promise<T>, commit: (prepared: T, heldMs: number) => Promise<void>): Promise<void> {
    const started = performance.now()
    while (this.waiting >= MAX_WAITING) await new Promise<void>(resolve => this.wakers.push(resolve))
    const heldMs = Math.round(performance.now() - started)
    this.waiting++
    const prepared = this.error === null ? prepare() : undefined
    // Its failure is taken in turn below; until then it must not count as unhandled.
    prepared?.catch(() => {})
    this.tail = this.tail.then(async () => {
      try {
        if (this.error === null && prepared !== undefined) await commit(await prepared, heldMs)
      } catch (err) {
        this.error = err
      } finally {
        this.waiting--
        this.wakers.shift()?.()
      }
    })
  }

  async drain (): Promise<void> {
    await this.tail
  }
}

function asAppError (err: unknown): AppError {
  return err instanceof AppError ? err : new AppError('INTERNAL', { reason: 'scan-failed' }, err)
}
