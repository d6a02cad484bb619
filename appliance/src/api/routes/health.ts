import type { FastifyInstance } from 'fastify'
import type { Services } from '../types.js'

/** Open to all: load balancers, Docker's HEALTHCHECK and Prometheus call these without credentials. */
export default async function healthRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get('/healthz', {
    schema: {
      response: { 200: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' }, queueDepth: { type: 'integer' } } } }
    }
  }, async () => ({ status: 'ok', version: services.version, queueDepth: services.pipeline?.depth ?? 0 }))

  app.get('/metrics', async (_request, reply) => {
    if (!services.metrics) return await reply.code(404).send()
    return await reply.type(services.metrics.contentType).send(await services.metrics.text())
  })
}
