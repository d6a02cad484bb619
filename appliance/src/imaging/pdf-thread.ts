/**
 * The one PDF thread (see `workers/`): started on first use, holds the process open only while a request is pending,
 * replaced when it dies. A request that takes too long (a hostile file looping PDF.js) ends the thread: that file is
 * refused, and the others then in flight fail as the appliance's problem (the push receivers retry those later).
 * The thread's JavaScript heap is capped, so a file that needs absurd memory kills only the thread.
 */
import { AppError } from '../errors/index.js'
import { WorkerThread } from '../workers/index.js'
import type { OpenResult, PageResult, PdfReply, PdfRequest } from './pdf-worker.js'

/** Parsing a 100 MB PDF takes seconds; rendering a 600 dpi page about ten. Far beyond either is a hostile file. */
export const PDF_REQUEST_TIMEOUT_MS = 120_000
const HEAP_LIMIT_MB = 1024

const thread = new WorkerThread<PdfRequest, PdfReply>(new URL('./pdf-worker.js', import.meta.url), 'PDF', {
  resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB },
  timeoutMs: PDF_REQUEST_TIMEOUT_MS,
  onTimeout: () => new AppError('PDF_UNREADABLE', { reason: `no answer in ${Math.round(PDF_REQUEST_TIMEOUT_MS / 1000)} s` }),
  replyError: ({ code, details }) => new AppError(code, details),
  crashError: (err, pendingCount) => {
    // With one file in flight, it is the one that needed the memory; with several, none can be blamed.
    const outOfMemory = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
    if (outOfMemory && pendingCount === 1) return new AppError('PDF_UNREADABLE', { reason: 'needs too much memory' })
    return new AppError('INTERNAL', { reason: 'PDF thread stopped' }, err)
  }
})

export async function openInThread (bytes: Uint8Array, maxPixels: number, maxPages: number): Promise<OpenResult> {
  return (await thread.request({ op: 'open', bytes, maxPixels, maxPages })).result as OpenResult
}

export async function pageInThread (doc: number, index: number): Promise<PageResult> {
  return (await thread.request({ op: 'page', doc, index })).result as PageResult
}

export async function closeInThread (doc: number): Promise<void> {
  // A thread that died took its documents with it: nothing to close then.
  if (thread.isRunning) await thread.request({ op: 'close', doc }).catch(() => {})
}

/** Stops the PDF thread (at shutdown; the next PDF would start a new one). */
export async function stopPdfThread (): Promise<void> {
  await thread.close()
}
