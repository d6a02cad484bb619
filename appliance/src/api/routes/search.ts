import type { FastifyInstance } from 'fastify'
import { RECORD_STATUSES, VALIDITY_STATES, type RecordStatusValue, type ValidityValue } from '../../search/index.js'
import type { Services } from '../types.js'
import { AppError } from '../../errors/index.js'
import { matchedPerson, namesPersonalId, personalIdOf } from '../../integration/index.js'

interface SearchQuery {
  q?: string
  unit?: string
  district?: string
  documentType?: string | string[]
  issuedFrom?: string
  issuedTo?: string
  status?: string
  validity?: string
  documentNumber?: string
  subjectId?: string
  purpose?: string
  facets?: boolean
  limit?: number
  offset?: number
}

/** `a,b,c` of allowed words only. */
const listOf = (words: readonly string[]): string => `^(${words.join('|')})(,(${words.join('|')}))*$`
const ISSUED = '^\\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\\d|3[01]))?)?$'
const documentTypeSchema = { type: 'string', minLength: 1, maxLength: 200 } as const

const facetSchema = { type: 'array', items: { type: 'object', required: ['value', 'count'], properties: { value: { type: 'string' }, count: { type: 'integer' } } } } as const

const hitSchema = {
  type: 'object',
  required: ['recordId', 'score', 'snippet'],
  properties: {
    recordId: { type: 'string' },
    score: { type: 'number' },
    snippet: { type: 'string' },
    fields: {
      type: 'object',
      properties: { documentType: { type: 'string' }, documentNumber: { type: 'string' }, issuedDate: { type: 'string' }, issuer: { type: 'string' } }
    },
    matchedFields: { type: 'array', items: { type: 'string' } },
    replica: { type: 'string', description: 'province: the district replica (peer ID) the record came from' }
  }
} as const

/**
 * `GET /api/v1/search`: full text over records' OCR text and extracted fields, with filters and facets. Without
 * `q` (or with an empty one) the records the filters allow are listed newest first.
 */
export default async function searchRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Querystring: SearchQuery }>('/api/v1/search', {
    config: { permission: 'read' },
    schema: {
      querystring: {
        type: 'object',
        properties: {
          q: { type: 'string', maxLength: 500 },
          unit: { type: 'string', maxLength: 400, description: 'one unit code, or several separated by commas' },
          district: { type: 'string', maxLength: 2000, description: 'province: one district replica (peer ID), or several separated by commas' },
          documentType: {
            description: 'a document type as printed (a facet value); repeat the parameter for several (types may hold commas)',
            anyOf: [documentTypeSchema, { type: 'array', items: documentTypeSchema, minItems: 1, maxItems: 20 }]
          },
          issuedFrom: { type: 'string', pattern: ISSUED, description: 'YYYY, YYYY-MM or YYYY-MM-DD: issued on or after' },
          issuedTo: { type: 'string', pattern: ISSUED, description: 'YYYY, YYYY-MM or YYYY-MM-DD: issued on or before (a partial date to its end)' },
          status: { type: 'string', pattern: listOf(RECORD_STATUSES), description: 'draft, approved, archived; several separated by commas' },
          validity: { type: 'string', pattern: listOf(VALIDITY_STATES), description: 'valid, expired, revoked, replaced; several separated by commas' },
          documentNumber: { type: 'string', minLength: 1, maxLength: 100, description: 'exact; case, spaces and dash variants ignored' },
          subjectId: { type: 'string', pattern: '^[0-9 .]{1,32}$', description: 'personal ID number, exact (digits); needs the `person` permission and a purpose' },
          purpose: { type: 'string', maxLength: 500, description: 'why a person is searched for (required, with the `person` permission, when the search names a personal ID or its words match a subject name or ID; kept in the lookup audit trail)' },
          facets: { type: 'boolean', default: false, description: 'also count unit, documentType, status, validity and issuedYear over all results' },
          limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          offset: { type: 'integer', minimum: 0, maximum: 10000, default: 0 }
        }
      },
      response: {
        200: {
          type: 'object',
          required: ['total', 'results'],
          properties: {
            total: { type: 'integer' },
            results: { type: 'array', items: hitSchema },
            facets: {
              type: 'object',
              properties: { unit: facetSchema, documentType: facetSchema, status: facetSchema, validity: facetSchema, issuedYear: facetSchema, replica: facetSchema }
            }
          }
        }
      }
    }
  }, async (request) => {
    const { q = '', unit, district, documentType, issuedFrom, issuedTo, status, validity, documentNumber, subjectId, purpose, facets, limit, offset } = request.query
    const split = (s: string | undefined): string[] | undefined => s ? s.split(',').map(u => u.trim()).filter(Boolean) : undefined
    const options = {
      units: split(unit),
      ...(district !== undefined ? { replicas: split(district) } : {}),
      ...(documentType !== undefined ? { documentTypes: Array.isArray(documentType) ? documentType : [documentType] } : {}),
      ...(issuedFrom !== undefined ? { issuedFrom } : {}),
      ...(issuedTo !== undefined ? { issuedTo } : {}),
      ...(status !== undefined ? { statuses: split(status) as RecordStatusValue[] } : {}),
      ...(validity !== undefined ? { validity: split(validity) as ValidityValue[] } : {}),
      ...(documentNumber !== undefined ? { documentNumber } : {}),
      ...(subjectId !== undefined ? { subjectId } : {}),
      facets,
      limit,
      offset
    }
    const stated = purpose?.trim() ? purpose.trim() : null
    // A search for a person goes through the lookup audit trail: allowed roles, a purpose, an entry before the answer.
    const audit = async (outcome: 'ok' | 'refused', results: number, error?: string): Promise<void> => {
      const trail = services.integration?.audit
      if (!trail) throw new AppError('SERVICE_UNAVAILABLE')
      const entry = await trail.record({
        principal: request.principal!, endpoint: 'search', subjectId: personalIdOf(q, subjectId), purpose: stated,
        query: { q, unit, documentType, issuedFrom, issuedTo, status, validity, documentNumber }, results, outcome, ...(error ? { error } : {}), remoteAddress: request.ip ?? null
      })
      request.log.info({ endpoint: 'search', outcome, results, auditId: entry.id }, 'person search audited')
    }
    const requirePersonSearch = async (): Promise<void> => {
      const refusal = !request.principal?.permissions.has('person') ? 'FORBIDDEN' : stated === null ? 'PURPOSE_REQUIRED' : null
      if (refusal === null) return
      await audit('refused', 0, refusal)
      throw refusal === 'FORBIDDEN' ? new AppError('FORBIDDEN', { needs: 'person' }) : new AppError('PURPOSE_REQUIRED')
    }
    let personal = namesPersonalId(q, subjectId) || stated !== null
    if (personal) await requirePersonSearch()
    const found = await services.search.search(q, options)
    // Only the search shows whether the words were a name: then it needed the same purpose, and nothing is answered.
    if (!personal && matchedPerson(found.results)) {
      personal = true
      await requirePersonSearch()
    }
    if (personal) await audit('ok', found.total)
    return found
  })
}
