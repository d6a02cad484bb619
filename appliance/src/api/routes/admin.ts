import type { FastifyInstance } from 'fastify'
import type { Services } from '../types.js'

export default async function adminRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.post('/api/v1/admin/reindex', {
    config: { permission: 'admin' },
    schema: { response: { 200: { type: 'object', properties: { records: { type: 'integer' } } } } }
  }, async () => await services.reindex())

  app.get('/api/v1/admin/reindex', {
    config: { permission: 'admin' },
    schema: { response: { 200: { type: 'object', properties: { running: { type: 'boolean' }, records: { type: 'integer' }, startedAt: { type: 'string' } } } } }
  }, async () => services.reindexProgress?.() ?? { running: false, records: 0, startedAt: '' })

  app.post<{ Params: { id: string } }>('/api/v1/pages/:id/retry', {
    config: { permission: 'admin' },
    schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^p_[0-9a-z]{23}$' } } }, response: { 200: { type: 'object', properties: { retried: { type: 'boolean' } } } } }
  }, async (request) => ({ retried: (await services.pipeline?.retry(request.params.id)) ?? false }))
}
