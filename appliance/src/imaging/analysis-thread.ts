/**
 * Runs page analysis (skew, levels: ~10-30 ms of plain JavaScript per page) on one worker thread, so the API's
 * event loop never stalls on it; sharp already keeps the pixel work on libuv threads.
 * The thread starts on first use, holds the process open only while a request is pending, and is replaced if it
 * dies.
 */
import { Worker } from 'node:worker_threads'
import type { PageAnalysis } from './analysis.js'
import type { AnalysisReply, AnalysisRequest } from './analysis-worker.js'

interface Pending {
  resolve: (a: PageAnalysis) => void
  reject: (e: Error) => void
}

let thread: Worker | null = null
let nextId = 1
const pending = new Map<number, Pending>()

function failAll (err: Error): void {
  for (const p of pending.values()) p.reject(err)
  pending.clear()
}

function start (): Worker {
  // In the built appliance this is the compiled .js next to this file; under the test runner's TypeScript
  // loader the same URL resolves to the .ts source.
  const w = new Worker(new URL('./analysis-worker.js', import.meta.url))
  w.unref()
  w.on('message', (reply: AnalysisReply) => {
    const p = pending.get(reply.id)
    if (!p) return
    pending.delete(reply.id)
    if (pending.size === 0) w.unref()
    if ('error' in reply) p.reject(new Error(reply.error))
    else p.resolve(reply.result)
  })
  w.on('error', err => {
    if (thread === w) thread = null
    failAll(err)
  })
  w.on('exit', code => {
    if (thread === w) thread = null
    failAll(new Error(`analysis thread exited (code ${code})`))
  })
  return w
}

export async function analyseOffThread (grey: Uint8Array, width: number, height: number): Promise<PageAnalysis> {
  thread ??= start()
  const w = thread
  const id = nextId++
  const request: AnalysisRequest = { id, grey, width, height }
  return await new Promise<PageAnalysis>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    // Referenced while work is pending, or a script awaiting only this could exit under it.
    w.ref()
    w.postMessage(request)
  })
}

/** Stops the analysis thread (at shutdown; the next analysis would start a new one). */
export async function stopAnalysisThread (): Promise<void> {
  const w = thread
  thread = null
  if (w) await w.terminate()
}
