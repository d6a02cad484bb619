import type { FastifyInstance } from 'fastify'
import type { Services } from '../types.js'

const pageSchema = {
  type: 'object',
  properties: {
    n: { type: 'integer' }, id: { type: 'string' }, sha256: { type: 'string' }, size: { type: 'integer' }, mime: { type: 'string' },
    width: { type: 'integer' }, height: { type: 'integer' }, dpi: { type: ['number', 'null'] }, stage: { type: 'string' },
    failed: { type: 'object', properties: { stage: { type: 'string' }, reason: { type: 'string' }, at: { type: 'string' } } },
    skewDeg: { type: 'number' }, ocrConfidence: { type: 'number' }, ocrRuns: { type: 'integer' },
    blank: { type: 'boolean' }, hasPreview: { type: 'boolean' },
    ocrSize: { type: 'object', properties: { width: { type: 'integer' }, height: { type: 'integer' } } }
  }
} as const

const boxSchema = { type: 'object', properties: { page: { type: 'integer' }, x0: { type: 'number' }, y0: { type: 'number' }, x1: { type: 'number' }, y1: { type: 'number' } } } as const

const fieldSchema = {
  type: 'object',
  properties: {
    value: { type: ['string', 'null'] }, confidence: { type: 'number' }, boxes: { type: 'array', items: boxSchema },
    warnings: { type: 'array', items: { type: 'string' } }, edited: { type: 'boolean' },
    raw: { type: 'string' }, snapped: { type: 'object', properties: { list: { type: 'string' }, distance: { type: 'integer' } } }
  }
} as const

export const partySchema = {
  type: 'object',
  properties: { role: { type: 'string' }, name: { type: 'string' }, idNumber: { type: 'string' }, birthDate: { type: 'string' } }
} as const

const codesSchema = {
  type: 'object',
  properties: Object.fromEntries(['agencyCode', 'dossierCode', 'resultTypeCode', 'procedureCode', 'box', 'file'].map(n => [n, { type: ['string', 'null'] }]))
} as const

export const recordSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, archiveId: { type: 'string' }, status: { type: 'string' }, unit: { type: 'string' }, batchId: { type: 'string' },
    filename: { type: ['string', 'null'] }, version: { type: 'integer' },
    fields: { type: 'object', additionalProperties: fieldSchema },
    parties: { type: 'object', properties: { value: { type: 'array', items: partySchema }, confidence: { type: 'number' }, edited: { type: 'boolean' } } },
    codes: codesSchema,
    validity: { type: 'object', properties: { state: { type: 'string' }, reason: { type: 'string' }, replacedBy: { type: 'string' }, at: { type: 'string' }, by: { type: 'string' } } },
    retention: { type: ['string', 'null'] },
    pages: { type: 'array', items: pageSchema }, blankPages: { type: 'array', items: pageSchema }, text: { type: 'string' },
    createdAt: { type: 'string' }, updatedAt: { type: 'string' },
    approvedBy: { type: 'string' }, approvedAt: { type: 'string' }, archivedAt: { type: 'string' },
    pdf: { type: 'object', properties: { sha256: { type: 'string' }, size: { type: 'integer' }, filename: { type: 'string' }, testCertificate: { type: 'boolean' } } },
    supersededBy: { type: 'array', items: { type: 'string' } }
  }
} as const

const summarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, archiveId: { type: 'string' }, status: { type: 'string' }, unit: { type: 'string' }, batchId: { type: 'string' },
    filename: { type: ['string', 'null'] }, pageCount: { type: 'integer' }, createdAt: { type: 'string' },
    documentType: { type: ['string', 'null'] }, documentNumber: { type: ['string', 'null'] }, issuedDate: { type: ['string', 'null'] },
    lowConfidence: { type: 'integer' }, validity: { type: 'string' }
  }
} as const

export const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^r_[0-9a-z]{23}$' } } } as const

export default async function recordRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Querystring: { limit: number, before?: string, status?: 'draft' | 'approved' | 'archived', unit?: string, batchId?: string } }>('/api/v1/records', {
    config: { permission: 'read' },
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          before: idParam.properties.id,
          status: { type: 'string', enum: ['draft', 'approved', 'archived'] },
          unit: { type: 'string', maxLength: 40 },
          batchId: { type: 'string', pattern: '^b_[0-9a-z]{23}$' }
        }
      },
      response: { 200: { type: 'object', properties: { records: { type: 'array', items: summarySchema }, next: { type: ['string', 'null'] } } } }
    }
  }, async (request) => await services.records.list(request.query))

  app.get<{ Params: { id: string } }>('/api/v1/records/:id', {
    config: { permission: 'read' },
    schema: { params: idParam, response: { 200: recordSchema } }
  }, async (request, reply) => {
    const view = await services.records.get(request.params.id)
    void reply.header('etag', `"${view.version}"`)
    return view
  })

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
      .send(services.files.stream(master.sha256))
  })

  app.get<{ Params: { id: string, n: number } }>('/api/v1/records/:id/pages/:n/preview', {
    config: { permission: 'read' },
    schema: {
      params: { type: 'object', required: ['id', 'n'], properties: { id: idParam.properties.id, n: { type: 'integer', minimum: 1, maximum: 100000 } } }
    }
  }, async (request, reply) => {
    const preview = await services.records.preview(request.params.id, request.params.n)
    if (request.headers['if-none-match'] === `"${preview.sha256}"`) return await reply.code(304).send()
    return await reply
      .type('image/jpeg')
      .header('etag', `"${preview.sha256}"`)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(services.files.stream(preview.sha256))
  })
}
