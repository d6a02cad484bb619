/**
 * One worker thread that answers requests: for synchronous work (QR reading, page analysis) that must stay off the
 * API's event loop. The thread starts on first use, holds the process open only while a request is pending, and is
 * replaced by the next request if it dies; `close` stops it (at shutdown; a later request starts a new one).
 *
 * The protocol: each request carries an `id`; the worker entry answers `{ id, ...answer }`, or `{ id, error }` with
 * the message of what it threw. An error reply rejects with `new Error(error)`; a thread that dies rejects every
 * request it held (its `error` event, or "`<name>` thread exited (code N)").
 */
import { Worker } from 'node:worker_threads'

interface Pending<Reply> {
  resolve: (reply: Reply) => void
  reject: (e: Error) => void
}

interface Running<Reply> {
  worker: Worker
  /** Each thread its own: a dying thread's late `exit` must not fail requests already sent to its successor. */
  pending: Map<number, Pending<Reply>>
}

type ErrorReply = { id: number, error: string }

export class WorkerThread<Request extends { id: number }, Reply extends { id: number }> {
  private running: Running<Exclude<Reply, ErrorReply>> | null = null
  private nextId = 1

  /**
   * @param entry the worker entry script, `new URL('./x-worker.js', import.meta.url)`: in the built appliance the
   *   compiled .js beside the caller; under the test runner's TypeScript loader the same URL resolves to the .ts.
   * @param name names the thread in the error of an unexpected exit
   */
  constructor (private readonly entry: URL, private readonly name: string) {}

  /** Sends one request (its id is added here) and resolves with the worker's answer. */
  async request (body: Omit<Request, 'id'>): Promise<Exclude<Reply, ErrorReply>> {
    this.running ??= this.start()
    const { worker, pending } = this.running
    const id = this.nextId++
    return await new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      // Referenced while work is pending, or a script awaiting only this could exit under it.
      worker.ref()
      worker.postMessage({ ...body, id })
    })
  }

  /** Stops the thread; requests it still held reject. */
  async close (): Promise<void> {
    const running = this.running
    this.running = null
    if (running) await running.worker.terminate()
  }

  private start (): Running<Exclude<Reply, ErrorReply>> {
    const worker = new Worker(this.entry)
    const running: Running<Exclude<Reply, ErrorReply>> = { worker, pending: new Map() }
    const { pending } = running
    const failAll = (err: Error): void => {
      if (this.running === running) this.running = null
      for (const p of pending.values()) p.reject(err)
      pending.clear()
    }
    worker.unref()
    worker.on('message', (reply: Reply | ErrorReply) => {
      const p = pending.get(reply.id)
      if (!p) return
      pending.delete(reply.id)
      if (pending.size === 0) worker.unref()
      if ('error' in reply) p.reject(new Error(reply.error))
      else p.resolve(reply as Exclude<Reply, ErrorReply>)
    })
    worker.on('error', failAll)
    worker.on('exit', code => failAll(new Error(`${this.name} thread exited (code ${code})`)))
    return running
  }
}
