import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { buildOpenApi, collectRoutes } from '../openapi.js'
import type { Services } from '../types.js'

/**
 * `GET /api/v1/openapi.json`, public: it describes shapes, never data, and an integrator needs it before a token is
 * issued. Registered before every other route group, at the root (fastify-plugin), so its `onRoute` hook sees them all.
 */
export default fp(async function openapiRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const routes = collectRoutes(app)
  let document: unknown
  app.get('/api/v1/openapi.json', {
    schema: { summary: 'This OpenAPI 3.1 document' }
  }, async (_request, reply) => {
    document ??= buildOpenApi(routes, { version: services.version })
    return await reply.header('cache-control', 'no-cache').send(document)
  })
}, { name: 'sohoa-openapi' })
