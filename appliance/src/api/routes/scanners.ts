import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import type { ScannerService, ScanProfile, StartScanRequest } from '../../scanner/index.js'
import type { Services } from '../types.js'
import { batchSchema } from './batches.js'

const errorSchema = {
  type: 'object',
  required: ['code', 'message', 'messageEn'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, messageEn: { type: 'string' }, details: { type: 'object', additionalProperties: true } }
} as const

const profileSchema = {
  type: ['object', 'null'],
  properties: { source: { type: 'string' }, duplex: { type: 'boolean' }, resolution: { type: 'number' }, mode: { type: 'string' }, depth: { type: 'integer' } }
} as const

const optionSchema = {
  type: 'object',
  required: ['name', 'title', 'description', 'type', 'unit', 'constraint', 'active', 'settable', 'advanced'],
  properties: {
    name: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' }, group: { type: 'string' },
    type: { type: 'string' }, unit: { type: 'string' },
    constraint: {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string' }, min: { type: 'number' }, max: { type: 'number' }, quant: { type: 'number' }, values: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } } }
    },
    value: { anyOf: [{ type: 'boolean' }, { type: 'number' }, { type: 'string' }, { type: 'array', items: { anyOf: [{ type: 'boolean' }, { type: 'number' }] } }] },
    active: { type: 'boolean' }, settable: { type: 'boolean' }, advanced: { type: 'boolean' }
  }
} as const

const scannerSchema = {
  type: 'object',
  required: ['id', 'host', 'device', 'vendor', 'model', 'type', 'state', 'profile', 'standardProblems'],
  properties: {
    id: { type: 'string' }, host: { type: 'string' }, device: { type: 'string' }, vendor: { type: 'string' }, model: { type: 'string' }, type: { type: 'string' },
    state: { type: 'string', enum: ['ready', 'busy', 'unreachable'] }, error: errorSchema, batchId: { type: 'string' },
    options: { type: 'array', items: optionSchema },
    profile: profileSchema,
    standardProblems: { type: 'array', items: { type: 'string' } }
  }
} as const

const scannerParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,700}$' } } } as const
const batchParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^b_[0-9a-z]{23}$' } } } as const

const profileFields = {
  source: { type: 'string', minLength: 1, maxLength: 200 },
  duplex: { type: 'boolean' },
  resolution: { type: 'number', exclusiveMinimum: 0, maximum: 100_000 },
  mode: { type: 'string', minLength: 1, maxLength: 200 },
  depth: { type: 'integer', minimum: 1, maximum: 64 }
} as const

const accepted = { 202: { type: 'object', properties: { batchId: { type: 'string' } } } } as const

function scanners (services: Services): ScannerService {
  if (services.scanners === undefined) throw new AppError('SCANNERS_DISABLED')
  return services.scanners
}

/** Scanners on the configured saned hosts, their profiles, and the scan batches run on them. */
export default async function scannerRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Querystring: { options: boolean } }>('/api/v1/scanners', {
    config: { permission: 'read' },
    schema: {
      querystring: { type: 'object', additionalProperties: false, properties: { options: { type: 'boolean', default: true } } },
      response: {
        200: {
          type: 'object',
          required: ['hosts', 'scanners'],
          properties: {
            hosts: { type: 'array', items: { type: 'object', required: ['host', 'state'], properties: { host: { type: 'string' }, state: { type: 'string', enum: ['reachable', 'unreachable'] }, error: errorSchema } } },
            scanners: { type: 'array', items: scannerSchema }
          }
        }
      }
    }
  }, async (request) => await scanners(services).list({ options: request.query.options }))

  app.get<{ Params: { id: string } }>('/api/v1/scanners/:id', {
    config: { permission: 'read' },
    schema: { params: scannerParams, response: { 200: scannerSchema } }
  }, async (request) => await scanners(services).get(request.params.id))

  app.put<{ Params: { id: string }, Body: ScanProfile }>('/api/v1/scanners/:id/profile', {
    config: { permission: 'admin' },
    schema: {
      params: scannerParams,
      body: { type: 'object', additionalProperties: false, properties: profileFields },
      response: { 200: scannerSchema }
    }
  }, async (request) => await scanners(services).setProfile(request.params.id, request.body))

  app.post<{ Params: { id: string }, Body: StartScanRequest }>('/api/v1/scanners/:id/scan', {
    config: { permission: 'ingest' },
    schema: {
      params: scannerParams,
      body: {
        type: 'object', additionalProperties: false, required: ['unit'],
        properties: {
          unit: { type: 'string', minLength: 1, maxLength: 35 },
          ...profileFields,
          options: {
            type: 'object', maxProperties: 64,
            propertyNames: { pattern: '^[A-Za-z0-9_-]{1,64}$' },
            additionalProperties: { anyOf: [{ type: 'boolean' }, { type: 'number' }, { type: 'string', maxLength: 4096 }, { type: 'array', maxItems: 65536, items: { anyOf: [{ type: 'boolean' }, { type: 'number' }] } }] }
          }
        }
      },
      response: accepted
    }
  }, async (request, reply) => await reply.code(202).send(await scanners(services).startBatch(request.params.id, request.body)))

  app.post<{ Params: { id: string } }>('/api/v1/batches/:id/resume', {
    config: { permission: 'ingest' },
    schema: { params: batchParams, response: accepted }
  }, async (request, reply) => await reply.code(202).send(await scanners(services).resume(request.params.id)))

  app.post<{ Params: { id: string } }>('/api/v1/batches/:id/cancel', {
    config: { permission: 'ingest' },
    schema: { params: batchParams, response: { 200: batchSchema } }
  }, async (request) => {
    await scanners(services).cancel(request.params.id)
    return await services.records.batch(request.params.id)
  })
}
