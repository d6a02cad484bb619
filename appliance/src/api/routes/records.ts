import type { FastifyInstance } from 'fastify'
import type { Services } from '../types.js'

const pageSchema = {
  type: 'object',
  properties: {
    n: { type: 'integer' }, id: { type: 'string' }, sha256: { type: 'string' }, size: { type: 'integer' }, mime: { type: 'string' },
    width: { type: 'integer' }, height: { type: 'integer' }, dpi: { type: ['number', 'null'] }, stage: { type: 'string' },
    failed: { type: 'object', properties: { stage: { type: 'string' }, reason: { type: 'string' }, at: { type: 'string' } } },
    skewDeg: { type: 'number' }, ocrConfidence: { type: 'number' }, ocrRuns: { type: 'integer' }
  }
} as const

const recordSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, status: { type: 'string' }, unit: { type: 'string' }, batchId: { type: 'string' },
    filename: { type: ['string', 'null'] }, pages: { type: 'array', items: pageSchema }, text: { type: 'string' },
    createdAt: { type: 'string' }, updatedAt: { type: 'string' }
  }
} as const

const summarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, status: { type: 'string' }, unit: { type: 'string' }, batchId: { type: 'string' },
    filename: { type: ['string', 'null'] }, pageCount: { type: 'integer' }, createdAt: { type: 'string' }
  }
} as const

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^r_[0-9a-z]{23}$' } } } as const

export default async function recordRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Querystring: { limit: number, before?: string } }>('/api/v1/records', {
    config: { permission: 'read' },
    schema: {
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, before: idParam.properties.id } },
      response: { 200: { type: 'object', properties: { records: { type: 'array', items: summarySchema }, next: { type: ['string', 'null'] } } } }
    }
  }, async (request) => await services.records.list(request.query))

  app.get<{ Params: { id: string } }>('/api/v1/records/:id', {
    config: { permission: 'read' },
    schema: { params: idParam, response: { 200: recordSchema } }
  }, async (request) => await services.records.get(request.params.id))

  app.get<{ Params: { id: string, n: number } }>('/api/v1/records/:id/pages/:n', {
    config: { permission: 'read' },
    schema: {
      params: { type: 'object', required: ['id', 'n'], properties: { id: idParam.properties.id, n: { type: 'integer', minimum: 1, maximum: 100000 } } }
    }
  }, async (request, reply) => {
    const master = await services.records.master(request.params.id, request.params.n)
    // Masters never change (content-addressed), so the hash is a perfect ETag.
    if (request.headers['if-none-match'] === `"${master.sha256}"`) return await reply.code(304).send()
    return await reply
      .type(master.mime)
      .header('content-length', master.size)
      .header('etag', `"${master.sha256}"`)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(services.store.files.stream(master.sha256))
  })
}
