import { fastifySSE } from '@fastify/sse'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import type { BatchEvent } from '../../scanner/index.js'
import type { Services } from '../types.js'

const batchParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^b_[0-9a-z]{23}$' } } } as const

/**
 * `GET /api/v1/batches/:id/events`: server-sent events for the web admin. First `status` (the batch view),
 * then `page-scanned`, `page-recognized`, `page-failed`, `paused`, `resumed`, `finished`, `cancelled` as they
 * happen, until the client leaves. Events are subscribed to before the status is read, so none is lost in
 * between (one may repeat what the status already shows). A comment line every 15 s keeps proxies open.
 */
export default async function batchEventRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  await app.register(fastifySSE, { heartbeatInterval: 15_000 })
  const streams = new Set<{ close: () => void }>()
  // Open streams would hold app.close() until their clients leave.
  app.addHook('preClose', async () => { for (const stream of streams) stream.close() })

  app.get<{ Params: { id: string } }>('/api/v1/batches/:id/events', {
    sse: 'only',
    config: { permission: 'read' },
    schema: { params: batchParams }
  }, async (request, reply) => {
    if (services.scanners === undefined) throw new AppError('SCANNERS_DISABLED')
    const batchId = request.params.id
    const sse = reply.sse
    const early: BatchEvent[] = []
    let live = false
    const send = async ({ type, ...data }: BatchEvent): Promise<void> => {
      if (sse.isConnected) await sse.send({ event: type, data }).catch(() => {})
    }
    const unsubscribe = services.scanners.events.subscribe(batchId, event => {
      if (live) void send(event)
      else early.push(event)
    })
    let status
    try {
      status = await services.records.batch(batchId)
    } catch (err) {
      unsubscribe()
      throw err
    }
    sse.keepAlive()
    streams.add(sse)
    sse.onClose(() => { unsubscribe(); streams.delete(sse) })
    // A client gone while the status was read: its close came before onClose was registered.
    if (!sse.isConnected) { unsubscribe(); streams.delete(sse); return }
    await sse.send({ event: 'status', data: status })
    // Events that came while the status was read; more may arrive during these sends and join the loop.
    for (const event of early) await send(event)
    live = true
  })
}
