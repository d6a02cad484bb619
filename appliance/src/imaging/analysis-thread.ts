/**
 * Runs page analysis (skew, levels: ~10-30 ms of plain JavaScript per page) on one worker thread, so the API's
 * event loop never stalls on it; sharp already keeps the pixel work on libuv threads.
 * The thread starts on first use, holds the process open only while a request is pending, and is replaced if it
 * dies (see `workers/`).
 */
import { WorkerThread } from '../workers/index.js'
import type { PageAnalysis } from './analysis.js'
import type { AnalysisReply, AnalysisRequest } from './analysis-worker.js'

const thread = new WorkerThread<AnalysisRequest, AnalysisReply>(new URL('./analysis-worker.js', import.meta.url), 'analysis')

export async function analyseOffThread (grey: Uint8Array, width: number, height: number): Promise<PageAnalysis> {
  return (await thread.request({ grey, width, height })).result
}

/** Stops the analysis thread (at shutdown; the next analysis would start a new one). */
export async function stopAnalysisThread (): Promise<void> {
  await thread.close()
}
