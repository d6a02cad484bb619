/**
 * A fixed set of tesseract.js workers (one worker thread each) fed from one FIFO queue.
 * Not tesseract.js' own scheduler: it cannot drop a worker, and a pool must survive a bad page. Here any failed,
 * timed-out or crashed recognition rejects that one page with OCR_FAILED and its worker is replaced by a fresh one
 * (a failure can leave the wasm heap in an unknown state, so it is never reused).
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Worker as Thread } from 'node:worker_threads'
import sharp from 'sharp'
import Tesseract from 'tesseract.js'
import { AppError } from '../errors/index.js'
import { ENGINE_PARAMETERS, LANGUAGE, OEM_LSTM_ONLY, languageDataDir } from './model.js'
import { wordsOf } from './result.js'
import type { OcrPool, OcrPoolOptions, OcrPoolStats, OcrResult } from './types.js'

/**
 * The built appliance starts OCR threads through low-priority-worker.js, which lowers their priority so intake
 * acknowledges pages promptly under full OCR load. Running from TypeScript sources (tests) the default script is used.
 */
const LOW_PRIORITY_WORKER_FILE = fileURLToPath(new URL('./low-priority-worker.js', import.meta.url))
const LOW_PRIORITY_WORKER = existsSync(LOW_PRIORITY_WORKER_FILE) ? { workerPath: LOW_PRIORITY_WORKER_FILE } : {}

const DEFAULT_TIMEOUT_MS = 120_000
/** Starting a worker takes 0.6-0.8 s; a start that hangs this long is not coming back. */
const START_TIMEOUT_MS = 60_000
const RESPAWN_ATTEMPTS = 3
const MAX_WORKERS = 64

interface Slot {
  engine: Tesseract.Worker | null
  thread: Thread | null
  busy: boolean
  /** Gave up restarting: the slot takes no more work. */
  lost: boolean
  /** Fails the page in progress when the thread dies under it. */
  onDeath?: (err: Error) => void
}

interface Job {
  image: Buffer
  resolve: (r: OcrResult) => void
  reject: (e: unknown) => void
}

export async function createOcrPool (opts: OcrPoolOptions): Promise<OcrPool> {
  const workers = opts.workers ?? Math.max(1, availableParallelism())
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new AppError('CONFIG_INVALID', { setting: 'ocrWorkers', value: workers })
  }
  if (typeof opts.cacheDir !== 'string' || opts.cacheDir === '') throw new AppError('CONFIG_INVALID', { setting: 'cacheDir' })
  const pool = new Pool(languageDataDir(), opts.cacheDir, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, workers)
  await pool.start()
  return pool
}

class Pool implements OcrPool {
  private readonly slots: Slot[]
  private readonly queue: Job[] = []
  private readonly running = new Set<Promise<void>>()
  private closed = false
  private restarts = 0

  constructor (private readonly langPath: string, private readonly cacheDir: string, private readonly timeoutMs: number, readonly size: number) {
    this.slots = Array.from({ length: size }, () => ({ engine: null, thread: null, busy: true, lost: false }))
  }

  async start (): Promise<void> {
    const started = await Promise.allSettled(this.slots.map(async slot => { await this.fill(slot) }))
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) {
      await this.close()
      throw new AppError('OCR_FAILED', { reason: 'OCR worker could not start' }, failed.reason)
    }
  }

  async recognize (image: Buffer): Promise<OcrResult> {
    if (this.closed) throw new AppError('SHUTTING_DOWN')
    if (!Buffer.isBuffer(image) || image.length === 0) throw new AppError('OCR_FAILED', { reason: 'empty image' })
    if (this.slots.every(s => s.lost)) throw new AppError('OCR_FAILED', { reason: 'no OCR worker available' })
    return await new Promise<OcrResult>((resolve, reject) => {
      this.queue.push({ image, resolve, reject })
      this.pump()
    })
  }

  stats (): OcrPoolStats {
    return {
      workers: this.slots.filter(s => s.engine !== null).length,
      busy: this.slots.filter(s => s.busy && s.engine !== null).length,
      queued: this.queue.length,
      restarts: this.restarts
    }
  }

  /** The live worker threads, for tests that need to crash one. */
  threads (): Thread[] {
    return this.slots.flatMap(s => (s.thread ? [s.thread] : []))
  }

  async close (): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) job.reject(new AppError('SHUTTING_DOWN'))
    await Promise.allSettled([...this.running])
    await Promise.allSettled(this.slots.map(async slot => { await this.empty(slot) }))
  }

  private pump (): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0 || this.closed) return
      if (slot.busy || slot.lost || slot.engine === null) continue
      const job = this.queue.shift()!
      const run = this.run(slot, job).finally(() => {
        this.running.delete(run)
        this.pump()
      })
      this.running.add(run)
    }
  }

  private async run (slot: Slot, job: Job): Promise<void> {
    slot.busy = true
    const engine = slot.engine!
    const started = performance.now()
    let timer: NodeJS.Timeout | undefined
    try {
      const died = new Promise<never>((_resolve, reject) => { slot.onDeath = reject })
      died.catch(() => {})
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no result after ${this.timeoutMs} ms`)), this.timeoutMs)
      })
      const recognition = engine.recognize(job.image, {}, { text: true, blocks: true })
      // If the thread dies or time runs out first, a late rejection must not become an unhandled one.
      recognition.catch(() => {})
      const { data } = await Promise.race([recognition, died, timedOut])
      // From here a death of the thread is no longer this page's business: died() replaces the worker itself.
      slot.onDeath = undefined
      const ms = Math.round(performance.now() - started)
      const size = await imageSize(job.image)
      const words = wordsOf(data.blocks)
      job.resolve({
        text: data.text.normalize('NFC'),
        confidence: words.length > 0 ? data.confidence : 0,
        words,
        width: size?.width ?? Math.max(0, ...words.map(w => w.bbox.x1)),
        height: size?.height ?? Math.max(0, ...words.map(w => w.bbox.y1)),
        ms
      })
      if (slot.engine === engine) slot.busy = false
    } catch (err) {
      // tesseract.js rejects with a bare string; keep its text as the reason (it names no page content).
      const reason = err instanceof Error ? err.message : String(err)
      job.reject(new AppError('OCR_FAILED', { reason: reason.slice(0, 200) }, err))
      if (slot.engine === engine) await this.replace(slot)
    } finally {
      clearTimeout(timer)
      slot.onDeath = undefined
    }
  }

  /** Throws the slot's worker away and starts a new one (a few tries); the slot is busy meanwhile. */
  private async replace (slot: Slot): Promise<void> {
    slot.busy = true
    if (!this.closed) this.restarts++
    await this.empty(slot)
    if (this.closed) return
    for (let attempt = 1; attempt <= RESPAWN_ATTEMPTS; attempt++) {
      try {
        await this.fill(slot)
        return
      } catch {
        await new Promise(resolve => setTimeout(resolve, 500 * attempt))
        if (this.closed) return
      }
    }
    slot.lost = true
    if (this.slots.every(s => s.lost)) {
      for (const job of this.queue.splice(0)) job.reject(new AppError('OCR_FAILED', { reason: 'no OCR worker available' }))
    }
  }

  private async fill (slot: Slot): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const starting = Tesseract.createWorker(LANGUAGE, OEM_LSTM_ONLY, {
      langPath: this.langPath,
      ...LOW_PRIORITY_WORKER,
      gzip: true,
      cacheMethod: 'none',
      cachePath: this.cacheDir,
      logger: () => {},
      // Without a handler tesseract.js rethrows every rejection inside its message listener, which would crash
      // the process; the rejection itself still reaches our promise.
      errorHandler: () => {}
    })
    try {
      const engine = await Promise.race([
        starting,
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            // If it ever comes up after all, do not keep it. (tesseract.js never settles when the language data
            // fails to load, and gives no handle to stop the thread: that case is prevented by languageDataDir.)
            starting.then(async late => await late.terminate(), () => {})
            reject(new Error('OCR worker start timed out'))
          }, START_TIMEOUT_MS)
        })
      ])
      await engine.setParameters(ENGINE_PARAMETERS)
      const thread = (engine as unknown as { worker: Thread }).worker
      slot.engine = engine
      slot.thread = thread
      thread.on('error', err => this.died(slot, thread, err))
      thread.on('exit', code => this.died(slot, thread, new Error(`OCR worker exited (code ${code})`)))
      slot.busy = false
      slot.lost = false
      if (this.closed) await this.empty(slot)
      else this.pump()
    } finally {
      clearTimeout(timer)
    }
  }

  private died (slot: Slot, thread: Thread, err: Error): void {
    if (slot.thread !== thread) return // an old thread we let go of
    if (slot.onDeath) {
      slot.onDeath(err) // run() rejects the page and replaces the worker
      return
    }
    void this.replace(slot)
  }

  private async empty (slot: Slot): Promise<void> {
    const { engine, thread } = slot
    slot.engine = null
    slot.thread = null
    await engine?.terminate().catch(() => {})
    await thread?.terminate().catch(() => {})
  }
}

async function imageSize (image: Buffer): Promise<{ width: number, height: number } | null> {
  try {
    const meta = await sharp(image, { limitInputPixels: false }).metadata()
    // Tesseract applies EXIF orientation itself, so its boxes are in the oriented frame.
    return { width: meta.autoOrient.width, height: meta.autoOrient.height }
  } catch {
    return null // a format sharp does not read (Tesseract also takes BMP/PNM): fall back to the word boxes
  }
}
