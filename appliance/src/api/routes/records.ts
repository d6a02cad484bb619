import type { FastifyInstance } from 'fastify'
import { RECORD_STATUSES, RETENTIONS, STAGES, VALIDITY_STATES, type RecordStatus } from '../../store/index.js'
import type { Services } from '../types.js'

// Answer schemas are the contract the web admin's types are generated from (web-admin/src/api/schema.d.ts):
// `required` names what the server always sends, and fastify's serializer drops any field not listed here.
const status = { type: 'string', enum: RECORD_STATUSES } as const
const stage = { type: 'string', enum: STAGES } as const

const pageSchema = {
  type: 'object',
  required: ['n', 'id', 'sha256', 'size', 'mime', 'width', 'height', 'dpi', 'stage', 'ocrRuns', 'hasPreview'],
  properties: {
    n: { type: 'integer' }, id: { type: 'string' }, sha256: { type: 'string' }, size: { type: 'integer' }, mime: { type: 'string' },
    width: { type: 'integer' }, height: { type: 'integer' }, dpi: { type: ['number', 'null'] }, stage,
    failed: { type: 'object', required: ['stage', 'reason', 'at'], properties: { stage, reason: { type: 'string' }, at: { type: 'string' } } },
    skewDeg: { type: 'number' }, ocrConfidence: { type: 'number' }, ocrRuns: { type: 'integer' },
    blank: { type: 'boolean' }, hasPreview: { type: 'boolean' },
    ocrSize: { type: 'object', required: ['width', 'height'], properties: { width: { type: 'integer' }, height: { type: 'integer' } } }
  }
} as const

const boxSchema = { type: 'object', required: ['page', 'x0', 'y0', 'x1', 'y1'], properties: { page: { type: 'integer' }, x0: { type: 'number' }, y0: { type: 'number' }, x1: { type: 'number' }, y1: { type: 'number' } } } as const

const fieldSchema = {
  type: 'object',
  required: ['value', 'confidence', 'boxes'],
  properties: {
    value: { type: ['string', 'null'] }, confidence: { type: 'number' }, boxes: { type: 'array', items: boxSchema },
    warnings: { type: 'array', items: { type: 'string' } }, edited: { type: 'boolean' },
    raw: { type: 'string' }, snapped: { type: 'object', required: ['list', 'distance'], properties: { list: { type: 'string' }, distance: { type: 'integer' } } }
  }
} as const

export const partySchema = {
  type: 'object',
  required: ['role', 'name'],
  properties: { role: { type: 'string' }, name: { type: 'string' }, idNumber: { type: 'string' }, birthDate: { type: 'string' } }
} as const

const codesSchema = {
  type: 'object',
  required: ['agencyCode', 'dossierCode', 'resultTypeCode', 'procedureCode'],
  properties: Object.fromEntries(['agencyCode', 'dossierCode', 'resultTypeCode', 'procedureCode', 'box', 'file'].map(n => [n, { type: ['string', 'null'] }]))
} as const

export const recordSchema = {
  type: 'object',
  required: ['id', 'archiveId', 'status', 'unit', 'batchId', 'filename', 'version', 'fields', 'parties', 'codes', 'validity', 'retention', 'pages', 'blankPages', 'text', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' }, archiveId: { type: 'string' }, status, unit: { type: 'string' }, batchId: { type: 'string' },
    filename: { type: ['string', 'null'] }, version: { type: 'integer' },
    fields: { type: 'object', additionalProperties: fieldSchema },
    parties: { type: 'object', required: ['value', 'confidence'], properties: { value: { type: 'array', items: partySchema }, confidence: { type: 'number' }, edited: { type: 'boolean' } } },
    codes: codesSchema,
    validity: { type: 'object', required: ['state'], properties: { state: { type: 'string', enum: VALIDITY_STATES }, reason: { type: 'string' }, replacedBy: { type: 'string' }, at: { type: 'string' }, by: { type: 'string' } } },
    retention: { type: ['string', 'null'], enum: [...RETENTIONS, null] },
    pages: { type: 'array', items: pageSchema }, blankPages: { type: 'array', items: pageSchema }, text: { type: 'string' },
    createdAt: { type: 'string' }, updatedAt: { type: 'string' },
    approvedBy: { type: 'string' }, approvedAt: { type: 'string' }, archivedAt: { type: 'string' },
    pdf: { type: 'object', required: ['sha256', 'size', 'filename', 'testCertificate'], properties: { sha256: { type: 'string' }, size: { type: 'integer' }, filename: { type: 'string' }, testCertificate: { type: 'boolean' } } },
    supersededBy: { type: 'array', items: { type: 'string' } }
  }
} as const

const summarySchema = {
  type: 'object',
  required: ['id', 'archiveId', 'status', 'unit', 'batchId', 'filename', 'pageCount', 'createdAt', 'documentType', 'documentNumber', 'issuedDate', 'lowConfidence', 'validity'],
  properties: {
    id: { type: 'string' }, archiveId: { type: 'string' }, status, unit: { type: 'string' }, batchId: { type: 'string' },
    filename: { type: ['string', 'null'] }, pageCount: { type: 'integer' }, createdAt: { type: 'string' },
    documentType: { type: ['string', 'null'] }, documentNumber: { type: ['string', 'null'] }, issuedDate: { type: ['string', 'null'] },
    lowConfidence: { type: 'integer' }, validity: { type: 'string', enum: VALIDITY_STATES }
  }
} as const

export const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^r_[0-9a-z]{23}$' } } } as const

export default async function recordRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Querystring: { limit: number, before?: string, status?: RecordStatus, unit?: string, batchId?: string } }>('/api/v1/records', {
    config: { permission: 'read' },
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          before: idParam.properties.id,
          status,
          unit: { type: 'string', maxLength: 40 },
          batchId: { type: 'string', pattern: '^b_[0-9a-z]{23}$' }
        }
      },
      response: { 200: { type: 'object', required: ['records', 'next'], properties: { records: { type: 'array', items: summarySchema }, next: { type: ['string', 'null'] } } } }
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
