/**
 * Review of a record: correct its fields (optimistic concurrency: `If-Match` with the version from the ETag),
 * approve it, split and merge records, change an archived record's validity; and its history.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { FIELD_NAMES } from '../../extract/index.js'
import type { RecordView } from '../../records/index.js'
import type { Services } from '../types.js'
import { idParam, recordSchema } from './records.js'

/** `"3"`, `W/"3"` or `3` → 3; anything else → undefined (treated as missing). */
export function parseIfMatch (header: string | undefined): number | undefined {
  if (!header) return undefined
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim())
  return m ? Number(m[1]) : undefined
}

export function sendView (reply: FastifyReply, view: RecordView): RecordView {
  void reply.header('etag', `"${view.version}"`)
  return view
}

const fieldValues = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(FIELD_NAMES.map(n => [n, { type: ['string', 'null'], maxLength: 2000 }]))
} as const

const codeValues = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(['dossierCode', 'resultTypeCode', 'procedureCode', 'box', 'file'].map(n => [n, { type: ['string', 'null'], maxLength: 60 }]))
} as const

const partyValues = {
  type: 'array',
  maxItems: 20,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['role', 'name'],
    properties: {
      role: { type: 'string', minLength: 1, maxLength: 40 }, name: { type: 'string', minLength: 1, maxLength: 300 },
      idNumber: { type: ['string', 'null'], maxLength: 20 }, birthDate: { type: ['string', 'null'], maxLength: 10 }
    }
  }
} as const

const who = (request: { principal: { id: string } | null }): string => request.principal?.id ?? 'unknown'

export default async function recordReviewRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { records, lifecycle } = services

  app.patch<{ Params: { id: string }, Body: { fields?: Record<string, string | null>, codes?: Record<string, string | null>, parties?: unknown[] } }>('/api/v1/records/:id', {
    config: { permission: 'review' },
    schema: {
      params: idParam,
      headers: { type: 'object', properties: { 'if-match': { type: 'string', maxLength: 40 } } },
      body: { type: 'object', additionalProperties: false, properties: { fields: fieldValues, codes: codeValues, parties: partyValues } },
      response: { 200: recordSchema }
    }
  }, async (request, reply) => {
    const next = await lifecycle.edit(request.params.id, parseIfMatch(request.headers['if-match']), request.body as any, who(request))
    return sendView(reply, await records.view(next))
  })

  app.post<{ Params: { id: string } }>('/api/v1/records/:id/approve', {
    config: { permission: 'review' },
    schema: { params: idParam, response: { 200: recordSchema } }
  }, async (request, reply) => {
    const next = await lifecycle.approve(request.params.id, parseIfMatch(request.headers['if-match']), who(request))
    return sendView(reply, await records.view(next))
  })

  app.post<{ Params: { id: string }, Body: { atPage: number } }>('/api/v1/records/:id/split', {
    config: { permission: 'review' },
    schema: {
      params: idParam,
      body: { type: 'object', additionalProperties: false, required: ['atPage'], properties: { atPage: { type: 'integer', minimum: 2, maximum: 100000 } } },
      response: { 200: { type: 'object', required: ['records'], properties: { records: { type: 'array', items: { type: 'string' } } } } }
    }
  }, async (request) => {
    const [a, b] = await lifecycle.split(request.params.id, request.body.atPage, who(request))
    return { records: [a.id, b.id] }
  })

  app.post<{ Params: { id: string }, Body: { records: string[] } }>('/api/v1/records/:id/merge', {
    config: { permission: 'review' },
    schema: {
      params: idParam,
      body: { type: 'object', additionalProperties: false, required: ['records'], properties: { records: { type: 'array', minItems: 1, maxItems: 200, items: idParam.properties.id } } },
      response: { 200: recordSchema }
    }
  }, async (request, reply) => {
    const next = await lifecycle.merge(request.params.id, request.body.records, who(request))
    return sendView(reply, await records.view(next))
  })

  app.get<{ Params: { id: string } }>('/api/v1/records/:id/versions', {
    config: { permission: 'read' },
    schema: {
      params: idParam,
      response: {
        200: {
          type: 'array',
          items: {
            type: 'object',
            required: ['version', 'at', 'by', 'action', 'changes'],
            properties: {
              version: { type: 'integer' }, at: { type: 'string' }, by: { type: 'string' }, action: { type: 'string' },
              changes: { type: 'object', additionalProperties: { type: 'object', properties: { from: {}, to: {} } } }
            }
          }
        }
      }
    }
  }, async (request) => await lifecycle.versions(request.params.id))

  app.get<{ Params: { id: string } }>('/api/v1/records/:id/events', {
    config: { permission: 'read' },
    schema: {
      params: idParam,
      response: {
        200: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'type', 'at', 'agent', 'outcome'],
            properties: { id: { type: 'string' }, type: { type: 'string' }, at: { type: 'string' }, agent: { type: 'string' }, outcome: { type: 'string', enum: ['success', 'failure'] }, detail: { type: 'string' } }
          }
        }
      }
    }
  }, async (request) => {
    return await records.events(request.params.id)
  })
}
