import { fastifySSE } from '@fastify/sse'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import type { BatchView } from '../../records/index.js'
import type { BatchEvent, StampedEvent } from '../../scanner/index.js'
import type { Services } from '../types.js'
import { principalKey } from '../../auth/index.js'

const batchParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^b_[0-9a-z]{23}$' } } } as const

const terminal = (status: BatchView['status']): status is 'finished' | 'cancelled' => status === 'finished' || status === 'cancelled'
/** A batch that can change no more: scanning ended and every page is indexed or failed. */
const ended = (view: BatchView): boolean => terminal(view.status) && view.done

/**
 * Tells when a stream's batch is over without reading the batch on every page event: it is read again only once
 * scanning has ended and the pages not yet settled (as last read) have all reported.
 */
class EndWatch {
  private scanningEnded = false
  private unsettled = Infinity
  private checking = false
  private recheck = false

  constructor (private readonly read: () => Promise<BatchView>, private readonly over: () => void) {}

  /** Takes a fresh view of the batch; ends the stream if it is over. */
  seen (view: BatchView): void {
    this.scanningEnded = terminal(view.status)
    this.unsettled = view.pageCount - view.stages.indexed - view.failures.length
    if (ended(view)) this.over()
  }

  event (event: BatchEvent): void {
    if (event.type === 'finished' || event.type === 'cancelled') this.scanningEnded = true
    else if (event.type === 'page-indexed' || event.type === 'page-failed') this.unsettled--
    else return
    // A read in flight may have missed this event: it reads once more (its count would be stale).
    if (this.checking) this.recheck = true
    else if (this.scanningEnded && this.unsettled <= 0) void this.check()
  }

  private async check (): Promise<void> {
    this.checking = true
    try {
      do {
        this.recheck = false
        try {
          this.seen(await this.read())
        } catch {
          // The batch cannot be read now: the stream stays; the client may leave.
        }
      } while (this.recheck)
    } finally {
      this.checking = false
    }
  }
}

/**
 * `GET /api/v1/batches/:id/events`: server-sent events for the web admin.
 *
 * - A new connection gets `status` (the batch view), then `page-scanned`, `page-recognized`, `page-indexed`,
 *   `page-failed`, `paused`, `resumed`, `finished`, `cancelled` as they happen. Events are subscribed to before
 *   the view is read, so none is lost in between (one may repeat what the view already shows).
 * - Every event has an id. A reconnection with `Last-Event-ID` (what EventSource sends) gets the events it
 *   missed, in order; when they cannot be told (the appliance restarted, or the id is older than the events
 *   kept), it gets `snapshot` (the batch view as now) instead, and the events from then on.
 * - A batch that is over (finished or cancelled, and every page indexed or failed) ends the stream: a client
 *   connecting to it gets the view and the closing event (`finished` or `cancelled`), then the end. A client
 *   that reconnects having seen everything gets 204, which tells EventSource to stop reconnecting.
 * - A comment line every 15 s keeps proxies open.
 */
/**
 * Open event streams per caller (user, token, the local socket) at most (issue 15): each holds a socket, a
 * subscription and a chain of writes, so one account or token cannot open them without bound. The web admin opens
 * one per batch page in view; a few tabs fit.
 */
export const MAX_STREAMS_PER_PRINCIPAL = 8

export default async function batchEventRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  await app.register(fastifySSE, { heartbeatInterval: 15_000 })
  const streams = new Set<{ close: () => void }>()
  const perPrincipal = new Map<string, number>()
  // Open streams would hold app.close() until their clients leave.
  app.addHook('preClose', async () => { for (const stream of streams) stream.close() })

  app.get<{ Params: { id: string } }>('/api/v1/batches/:id/events', {
    sse: 'only',
    config: { permission: 'read' },
    schema: { params: batchParams }
  }, async (request, reply) => {
    const scanners = services.scanners
    if (scanners === undefined) throw new AppError('SCANNERS_DISABLED')
    const batchId = request.params.id
    const who = principalKey(request.principal)
    const open = perPrincipal.get(who) ?? 0
    if (open >= MAX_STREAMS_PER_PRINCIPAL) throw new AppError('RATE_LIMITED', { retryAfterSeconds: 5, openStreams: open, maxStreams: MAX_STREAMS_PER_PRINCIPAL })
    perPrincipal.set(who, open + 1)
    let counted = true
    const release = (): void => {
      if (!counted) return
      counted = false
      const left = (perPrincipal.get(who) ?? 1) - 1
      if (left <= 0) perPrincipal.delete(who); else perPrincipal.set(who, left)
    }
    const sse = reply.sse
    const lastEventId = typeof sse.lastEventId === 'string' && sse.lastEventId !== '' ? sse.lastEventId : null
    const write = async (id: string, event: string, data: unknown): Promise<void> => {
      if (sse.isConnected) await sse.send({ id, event, data }).catch(() => {})
    }
    const send = async ({ id, event: { type, ...data } }: Pick<StampedEvent, 'id' | 'event'>): Promise<void> => await write(id, type, data)
    const watch = new EndWatch(async () => await services.records.batch(batchId), () => sse.close())

    // Subscribing and reading what was missed happen in one turn: nothing falls between the two. Events are
    // written one after another: a burst to a slow client waits in this chain, not in the socket.
    const early: Array<Pick<StampedEvent, 'id' | 'event'>> = []
    let live = false
    let tail: Promise<void> = Promise.resolve()
    const unsubscribeEvents = scanners.events.subscribe(batchId, (event, id) => {
      if (!live) { early.push({ id, event }); return }
      tail = tail.then(async () => { await send({ id, event }); watch.event(event) })
    })
    // Every way out of the stream ends its subscription and gives its place back.
    const unsubscribe = (): void => { unsubscribeEvents(); release() }
    const missed = lastEventId !== null ? scanners.events.since(batchId, lastEventId) : null
    const cursor = scanners.events.cursor()
    let view: BatchView
    try {
      view = await services.records.batch(batchId)
    } catch (err) {
      unsubscribe()
      throw err
    }
    if (missed !== null && missed.length === 0 && early.length === 0 && ended(view)) {
      unsubscribe()
      return await reply.code(204).send()
    }

    sse.keepAlive()
    // Commit the response as a stream now: a reconnection that missed nothing may have no event to send yet.
    sse.sendHeaders()
    reply.raw.flushHeaders()
    streams.add(sse)
    sse.onClose(() => { unsubscribe(); streams.delete(sse) })
    // A client gone while the view was read: its close came before onClose was registered.
    if (!sse.isConnected) { unsubscribe(); streams.delete(sse); return }

    if (missed !== null) {
      for (const event of missed) await send(event)
    } else {
      await write(cursor, lastEventId === null ? 'status' : 'snapshot', view)
      // The view says scanning ended: its closing event comes too (unless it is among the early ones).
      if (terminal(view.status) && !early.some(e => e.event.type === view.status)) {
        await send({ id: cursor, event: { type: view.status, pages: view.pageCount } })
      }
    }
    // Events that came meanwhile; more may arrive during these sends and join the loop.
    for (const event of early) await send(event)
    live = true
    watch.seen(view)
    for (const { event } of early) watch.event(event)
  })
}
