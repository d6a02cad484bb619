import type { FastifyInstance } from 'fastify'
import type { NewUnit } from '../../units/index.js'
import type { Services } from '../types.js'

const unitSchema = {
  type: 'object',
  properties: { code: { type: 'string' }, name: { type: 'string' }, level: { type: 'string' }, parent: { type: ['string', 'null'] }, agencyCode: { type: ['string', 'null'] }, createdAt: { type: 'string' } }
} as const

export default async function unitRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get('/api/v1/units', {
    config: { permission: 'read' },
    schema: { response: { 200: { type: 'array', items: unitSchema } } }
  }, async () => await services.units.list())

  app.post<{ Body: NewUnit }>('/api/v1/units', {
    config: { permission: 'admin' },
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['code', 'name', 'level'],
        properties: {
          code: { type: 'string', pattern: '^[0-9A-Za-z.]{1,35}$' },
          name: { type: 'string', minLength: 1, maxLength: 200 },
          level: { enum: ['province', 'district', 'commune'] },
          parent: { type: ['string', 'null'], maxLength: 35 },
          agencyCode: { type: ['string', 'null'], pattern: '^[0-9A-Z.]{1,35}$' }
        }
      },
      response: { 201: unitSchema }
    }
  }, async (request, reply) => await reply.code(201).send(await services.units.add(request.body)))
}
