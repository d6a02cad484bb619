/** Entry of the analysis thread: measures pages sent by analysis-thread.ts, off the main event loop. */
import { parentPort } from 'node:worker_threads'
import { analysePage } from './analysis.js'

export interface AnalysisRequest {
  id: number
  grey: Uint8Array
  width: number
  height: number
}

export type AnalysisReply = { id: number, result: ReturnType<typeof analysePage> } | { id: number, error: string }

parentPort?.on('message', (req: AnalysisRequest) => {
  let reply: AnalysisReply
  try {
    reply = { id: req.id, result: analysePage(req.grey, req.width, req.height) }
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) }
  }
  parentPort?.postMessage(reply)
})
