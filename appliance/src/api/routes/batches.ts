import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import { BATCH_SOURCES, BATCH_STATUSES, STAGES } from '../../store/index.js'
import type { Services } from '../types.js'

const stage = { type: 'string', enum: STAGES } as const
export const batchSchema = {
  type: 'object',
  required: ['id', 'unit', 'source', 'status', 'pageCount', 'records', 'stages', 'done', 'failures', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' }, unit: { type: 'string' }, source: { type: 'string', enum: BATCH_SOURCES }, status: { type: 'string', enum: BATCH_STATUSES }, reason: { type: 'string' },
    pageCount: { type: 'integer' }, records: { type: 'array', items: { type: 'string' } },
    stages: { type: 'object', required: STAGES, properties: Object.fromEntries(STAGES.map(s => [s, { type: 'integer' }])) }, done: { type: 'boolean' },
    failures: { type: 'array', items: { type: 'object', required: ['pageId', 'recordId', 'stage', 'reason', 'at'], properties: { pageId: { type: 'string' }, recordId: { type: 'string' }, stage, reason: { type: 'string' }, at: { type: 'string' } } } },
    createdAt: { type: 'string' }, updatedAt: { type: 'string' }
  }
} as const

export default async function batchRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.post<{ Body: { unit: string, source?: 'api' | 'import' } }>('/api/v1/batches', {
    config: { permission: 'ingest' },
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['unit'],
        properties: { unit: { type: 'string', minLength: 1, maxLength: 35 }, source: { enum: ['api', 'import'], default: 'api' } }
      },
      response: { 201: batchSchema }
    }
  }, async (request, reply) => {
    const batch = await services.intake.newBatch(request.body.unit, request.body.source ?? 'api')
    return await reply.code(201).send(await services.records.batch(batch.id))
  })

  app.get<{ Params: { id: string } }>('/api/v1/batches/:id', {
    config: { permission: 'read' },
    schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^b_[0-9a-z]{23}$' } } }, response: { 200: batchSchema } }
  }, async (request) => await services.records.batch(request.params.id))

  // A batch of posted pages is complete when the client says so: then its stack is cut into records at cover sheets.
  app.post<{ Params: { id: string } }>('/api/v1/batches/:id/finish', {
    config: { permission: 'ingest' },
    schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^b_[0-9a-z]{23}$' } } }, response: { 200: batchSchema } }
  }, async (request) => {
    const batch = await services.records.batch(request.params.id)
    if (batch.status !== 'open') throw new AppError('BATCH_STATE', { batchId: batch.id, status: batch.status })
    await services.intake.setBatchStatus(batch.id, 'finished')
    return await services.records.batch(batch.id)
  })
}
