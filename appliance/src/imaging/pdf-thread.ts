/**
 * The one PDF thread: started on first use, holds the process open only while a request is pending, replaced when
 * it dies. A request that takes too long (a hostile file looping PDF.js) ends the thread: that file is refused, and
 * the others then in flight fail as the appliance's problem (the push receivers retry those later).
 * The thread's JavaScript heap is capped, so a file that needs absurd memory kills only the thread.
 */
import { Worker } from 'node:worker_threads'
import { AppError, type ErrorCode } from '../errors/index.js'
import type { OpenResult, PageResult, PdfReply, PdfRequest } from './pdf-worker.js'

/** Parsing a 100 MB PDF takes seconds; rendering a 600 dpi page about ten. Far beyond either is a hostile file. */
export const PDF_REQUEST_TIMEOUT_MS = 120_000
const HEAP_LIMIT_MB = 1024

interface Pending {
  worker: Worker
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

let thread: Worker | null = null
let nextId = 1
const pending = new Map<number, Pending>()

/** Fails what was sent to this thread (a thread started since keeps its own requests). */
function failAll (w: Worker, err: () => AppError): void {
  for (const [id, p] of pending) {
    if (p.worker !== w) continue
    pending.delete(id)
    clearTimeout(p.timer)
    p.reject(err())
  }
}

function pendingOn (w: Worker): number {
  let n = 0
  for (const p of pending.values()) if (p.worker === w) n++
  return n
}

function start (): Worker {
  // In the built appliance this is the compiled .js beside this file; under the test runner's TypeScript loader
  // the same URL resolves to the .ts source (as for the analysis thread).
  const w = new Worker(new URL('./pdf-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB } })
  w.unref()
  w.on('message', (reply: PdfReply) => {
    const p = pending.get(reply.id)
    if (!p) return
    pending.delete(reply.id)
    clearTimeout(p.timer)
    if (pendingOn(w) === 0) w.unref()
    if (reply.ok) p.resolve(reply.result)
    else p.reject(new AppError(reply.code as ErrorCode, reply.details))
  })
  w.on('error', err => {
    if (thread === w) thread = null
    const outOfMemory = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
    // With one file in flight, it is the one that needed the memory; with several, none can be blamed.
    const blame = outOfMemory && pendingOn(w) === 1
    failAll(w, () => blame ? new AppError('PDF_UNREADABLE', { reason: 'needs too much memory' }) : new AppError('INTERNAL', undefined, err))
  })
  w.on('exit', () => {
    if (thread === w) thread = null
    failAll(w, () => new AppError('INTERNAL', { reason: 'PDF thread stopped' }))
  })
  return w
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never

async function call<T> (request: WithoutId<PdfRequest>, timeoutMs = PDF_REQUEST_TIMEOUT_MS): Promise<T> {
  thread ??= start()
  const w = thread
  const id = nextId++
  return await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id)
      reject(new AppError('PDF_UNREADABLE', { reason: `no answer in ${Math.round(timeoutMs / 1000)} s` }))
      // The thread may be stuck in a loop: end it; the next request starts a fresh one.
      if (thread === w) thread = null
      void w.terminate()
    }, timeoutMs)
    timer.unref()
    pending.set(id, { worker: w, resolve: resolve as (value: unknown) => void, reject, timer })
    // Referenced while work is pending, or a script awaiting only this could exit under it.
    w.ref()
    w.postMessage({ ...request, id })
  })
}

export async function openInThread (bytes: Uint8Array, maxPixels: number, maxPages: number): Promise<OpenResult> {
  return await call<OpenResult>({ op: 'open', bytes, maxPixels, maxPages })
}

export async function pageInThread (doc: number, index: number): Promise<PageResult> {
  return await call<PageResult>({ op: 'page', doc, index })
}

export async function closeInThread (doc: number): Promise<void> {
  // A thread that died took its documents with it: nothing to close then.
  if (thread) await call<null>({ op: 'close', doc }).catch(() => {})
}

/** Stops the PDF thread (at shutdown; the next PDF would start a new one). */
export async function stopPdfThread (): Promise<void> {
  const w = thread
  thread = null
  if (w) await w.terminate()
}
