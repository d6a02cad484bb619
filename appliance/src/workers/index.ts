/**
 * One worker thread that answers requests: for synchronous work (QR reading, page analysis, PDF parsing) that must
 * stay off the API's event loop. The thread starts on first use, holds the process open only while a request is
 * pending, and is replaced by the next request if it dies; `close` stops it (at shutdown; a later request starts a
 * new one).
 *
 * The protocol: each request carries an `id`; the worker entry answers `{ id, ...answer }`, or `{ id, error }` where
 * `error` is the message of what it threw (or any cloneable value `replyError` understands). An error reply rejects
 * that request only; a thread that dies rejects every request it held (its `error` event, or "`<name>` thread
 * exited (code N)"), through `crashError` when given. With `timeoutMs`, a request unanswered that long rejects and
 * ends its thread, which may be stuck in a loop.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads'

type ErrorReply = { id: number, error: unknown }
/** A successful reply: any member of the reply union without an `error`. */
export type Answer<Reply> = Exclude<Reply, ErrorReply>
/** What the worker puts in `error` (a message string unless the entry says otherwise). */
type ErrorOf<Reply> = Extract<Reply, ErrorReply>['error']
/** A request as the caller writes it: the id is added here (distributed, so a union of operations stays one). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never

export interface WorkerThreadOptions<Request, Reply> {
  /** Caps the thread's heap: a request that needs absurd memory kills only the thread (`ERR_WORKER_OUT_OF_MEMORY`). */
  resourceLimits?: ResourceLimits
  /**
   * A request unanswered this long (counted from sending, thread start included) rejects with `onTimeout(request)`
   * and its thread is terminated: the requests it still held fail at once, as a crash (through `crashError`), and
   * the next request starts a fresh thread.
   */
  timeoutMs?: number
  onTimeout?: (request: WithoutId<Request>) => Error
  /** Turns an error reply's `error` into the rejection; by default `new Error(String(error))`. */
  replyError?: (error: ErrorOf<Reply>) => Error
  /**
   * Turns the death of the thread into the rejection of each request it held; `pendingCount` says how many, so a
   * crash with one request in flight can be blamed on that one. By default each rejects with `err` itself.
   */
  crashError?: (err: Error, pendingCount: number) => Error
}

interface Pending<Reply> {
  resolve: (reply: Answer<Reply>) => void
  reject: (e: Error) => void
  timer?: NodeJS.Timeout
}

interface Running<Reply> {
  worker: Worker
  /** Each thread its own: a dying thread's late `exit` must not fail requests already sent to its successor. */
  pending: Map<number, Pending<Reply>>
}

export class WorkerThread<Request extends { id: number }, Reply extends { id: number }> {
  private current: Running<Reply> | null = null
  private nextId = 1

  /**
   * @param entry the worker entry script, `new URL('./x-worker.js', import.meta.url)`: in the built appliance the
   *   compiled .js beside the caller; under the test runner's TypeScript loader the same URL resolves to the .ts.
   * @param name names the thread in the error of an unexpected exit or a timeout
   */
  constructor (
    private readonly entry: URL,
    private readonly name: string,
    private readonly options: WorkerThreadOptions<Request, Reply> = {}
  ) {}

  /** Whether a thread is up (one that died or timed out is not): state held in the thread would still be there. */
  get isRunning (): boolean {
    return this.current !== null
  }

  /** Sends one request (its id is added here) and resolves with the worker's answer. */
  async request (body: WithoutId<Request>): Promise<Answer<Reply>> {
    this.current ??= this.start()
    const running = this.current
    const { worker, pending } = running
    const id = this.nextId++
    return await new Promise((resolve, reject) => {
      const p: Pending<Reply> = { resolve, reject }
      const { timeoutMs } = this.options
      if (timeoutMs !== undefined) {
        p.timer = setTimeout(() => this.timeOut(running, id, body, timeoutMs), timeoutMs)
        // The worker's ref holds the process while the request is pending; the timer need not.
        p.timer.unref()
      }
      pending.set(id, p)
      // Referenced while work is pending, or a script awaiting only this could exit under it.
      worker.ref()
      try {
        worker.postMessage({ ...body, id })
      } catch (err) {
        // Not cloneable: nothing was sent, so nothing may stay pending (it would hold the process open).
        this.settle(running, id)
        reject(err as Error)
      }
    })
  }

  /** Stops the thread; requests it still held reject. */
  async close (): Promise<void> {
    const running = this.current
    this.current = null
    if (running) await running.worker.terminate()
  }

  private start (): Running<Reply> {
    const { resourceLimits } = this.options
    const worker = new Worker(this.entry, resourceLimits ? { resourceLimits } : {})
    const running: Running<Reply> = { worker, pending: new Map() }
    worker.unref()
    worker.on('message', (reply: Reply) => {
      const p = this.settle(running, reply.id)
      if (!p) return
      if ('error' in reply) p.reject(this.options.replyError?.(reply.error as ErrorOf<Reply>) ?? new Error(String(reply.error)))
      else p.resolve(reply as Answer<Reply>)
    })
    worker.on('error', err => this.failAll(running, err))
    worker.on('exit', code => this.failAll(running, new Error(`${this.name} thread exited (code ${code})`)))
    return running
  }

  /** Rejects every request the thread held, and forgets the thread: the next request starts a new one. */
  private failAll (running: Running<Reply>, err: Error): void {
    if (this.current === running) this.current = null
    const held = [...running.pending.values()]
    running.pending.clear()
    for (const p of held) {
      clearTimeout(p.timer)
      p.reject(this.options.crashError?.(err, held.length) ?? err)
    }
  }

  /** Takes a request off its thread's pending list (undefined if it is no longer there). */
  private settle (running: Running<Reply>, id: number): Pending<Reply> | undefined {
    const p = running.pending.get(id)
    if (!p) return undefined
    running.pending.delete(id)
    clearTimeout(p.timer)
    if (running.pending.size === 0) running.worker.unref()
    return p
  }

  private timeOut (running: Running<Reply>, id: number, body: WithoutId<Request>, timeoutMs: number): void {
    const p = this.settle(running, id)
    if (!p) return
    p.reject(this.options.onTimeout?.(body) ?? new Error(`${this.name} thread gave no answer in ${timeoutMs} ms`))
    // The thread may be stuck in a loop: end it. What it still held fails now, as a crash (their own timers could
    // otherwise fire before its exit and blame them too); the next request starts a fresh thread.
    this.failAll(running, new Error(`${this.name} thread terminated: a request got no answer in ${timeoutMs} ms`))
    void running.worker.terminate()
  }
}
