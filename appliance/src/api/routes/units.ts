import type { FastifyInstance } from 'fastify'
import type { NewUnit, UnitPatch } from '../../units/index.js'
import { AGENCY_CODE, UNIT_CODE } from '../../units/index.js'
import type { Services } from '../types.js'

const DAY = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'

const unitProperties = {
  code: { type: 'string' },
  name: { type: 'string' },
  level: { type: 'string', enum: ['province', 'district', 'commune'] },
  parent: { type: ['string', 'null'] },
  agencyCode: { type: ['string', 'null'] },
  formerNames: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, until: { type: 'string' } } } },
  mergedInto: { type: 'object', required: ['code', 'effective'], properties: { code: { type: 'string' }, effective: { type: 'string' } } },
  createdAt: { type: 'string' },
  updatedAt: { type: 'string' }
} as const

/** A district's own change to a province entry: in force here, with the province's copy (null: only here). */
const overrideSchema = <P extends object>(properties: P) => ({
  type: 'object',
  properties: { since: { type: 'string' }, province: { type: ['object', 'null'], properties } }
}) as const

export const unitSchema = {
  type: 'object',
  required: ['code', 'name', 'level', 'parent'],
  properties: { ...unitProperties, override: overrideSchema(unitProperties) }
} as const

const unitViewSchema = {
  type: 'object',
  properties: {
    ...unitSchema.properties,
    names: { type: 'array', items: { type: 'string' } },
    predecessors: { type: 'array', items: { type: 'string' } },
    successors: { type: 'array', items: { type: 'string' } }
  }
} as const

const targetProperties = { unit: { type: 'string' }, year: { type: 'integer' }, pages: { type: 'integer' }, estimated: { type: 'boolean' }, source: { type: ['string', 'null'] }, updatedAt: { type: 'string' } } as const

export const targetSchema = {
  type: 'object',
  properties: { ...targetProperties, override: overrideSchema(targetProperties) }
} as const

const codeParam = { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: UNIT_CODE } } } as const

export default async function unitRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const units = services.units

  app.get('/api/v1/units', {
    config: { permission: 'read' },
    schema: { summary: 'The unit catalogue, merged units included', response: { 200: { type: 'array', items: unitSchema } } }
  }, async () => await units.list())

  app.post<{ Body: NewUnit }>('/api/v1/units', {
    config: { permission: 'admin' },
    schema: {
      summary: 'Add a unit',
      body: {
        type: 'object', additionalProperties: false, required: ['code', 'name', 'level'],
        properties: {
          code: { type: 'string', pattern: UNIT_CODE },
          name: { type: 'string', minLength: 1, maxLength: 200 },
          level: { enum: ['province', 'district', 'commune'] },
          parent: { type: ['string', 'null'], maxLength: 35 },
          agencyCode: { type: ['string', 'null'], pattern: AGENCY_CODE }
        }
      },
      response: { 201: unitSchema }
    }
  }, async (request, reply) => await reply.code(201).send(await units.add(request.body)))

  app.get<{ Params: { code: string } }>('/api/v1/units/:code', {
    config: { permission: 'read' },
    schema: { summary: 'A unit with its names, predecessors and successors', params: codeParam, response: { 200: unitViewSchema } }
  }, async (request) => await units.view(request.params.code))

  app.patch<{ Params: { code: string }, Body: UnitPatch }>('/api/v1/units/:code', {
    config: { permission: 'admin' },
    schema: {
      summary: 'Rename a unit (the old name is kept), set its agency code or parent',
      params: codeParam,
      body: {
        type: 'object', additionalProperties: false, minProperties: 1,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 },
          effective: { type: 'string', pattern: DAY },
          agencyCode: { type: ['string', 'null'], pattern: AGENCY_CODE },
          parent: { type: ['string', 'null'], pattern: UNIT_CODE }
        }
      },
      response: { 200: unitSchema }
    }
  }, async (request) => await units.update(request.params.code, request.body))

  app.post<{ Params: { code: string }, Body: { into: string, effective: string } }>('/api/v1/units/:code/merge', {
    config: { permission: 'admin' },
    schema: {
      summary: 'Merge a unit into its successor (administrative reform); records keep the unit',
      params: codeParam,
      body: { type: 'object', additionalProperties: false, required: ['into', 'effective'], properties: { into: { type: 'string', pattern: UNIT_CODE }, effective: { type: 'string', pattern: DAY } } },
      response: { 200: unitSchema }
    }
  }, async (request) => await units.merge(request.params.code, request.body))

  app.delete<{ Params: { code: string } }>('/api/v1/units/:code/override', {
    config: { permission: 'admin' },
    schema: {
      summary: 'District: drop the local change of a unit (and its targets) and take the province\'s copy again',
      params: codeParam,
      response: { 200: unitSchema }
    }
  }, async (request) => await units.dropOverride(request.params.code))

  app.get<{ Params: { code: string } }>('/api/v1/units/:code/covering', {
    config: { permission: 'read' },
    schema: {
      summary: 'The unit and every unit merged into it, transitively (what reports and search by it include)',
      params: codeParam,
      response: { 200: { type: 'object', properties: { code: { type: 'string' }, covering: { type: 'array', items: { type: 'string' } } } } }
    }
  }, async (request) => ({ code: request.params.code, covering: await units.unitsCovering(request.params.code) }))

  app.get<{ Querystring: { year?: number, unit?: string } }>('/api/v1/targets', {
    config: { permission: 'read' },
    schema: {
      summary: 'Page targets per unit and year',
      querystring: { type: 'object', additionalProperties: false, properties: { year: { type: 'integer', minimum: 2000, maximum: 2100 }, unit: { type: 'string', pattern: UNIT_CODE } } },
      response: { 200: { type: 'array', items: targetSchema } }
    }
  }, async (request) => await units.listTargets(request.query))

  app.put<{ Params: { unit: string, year: number }, Body: { pages: number, source?: string | null } }>('/api/v1/targets/:unit/:year', {
    config: { permission: 'admin' },
    schema: {
      summary: 'Set a unit\'s own target for a year',
      params: { type: 'object', required: ['unit', 'year'], properties: { unit: { type: 'string', pattern: UNIT_CODE }, year: { type: 'integer', minimum: 2000, maximum: 2100 } } },
      body: { type: 'object', additionalProperties: false, required: ['pages'], properties: { pages: { type: 'integer', minimum: 0, maximum: 1_000_000_000 }, source: { type: ['string', 'null'], maxLength: 500 } } },
      response: { 200: targetSchema }
    }
  }, async (request) => await units.setTarget(request.params.unit, request.params.year, request.body.pages, request.body.source ?? null))

  app.get('/api/v1/catalogue', {
    config: { permission: 'read' },
    schema: {
      summary: 'The catalogue (units and targets) with its version, as replication sends it down',
      response: { 200: { type: 'object', properties: { format: { type: 'string' }, version: { type: 'integer' }, origin: { type: 'string' }, exportedAt: { type: 'string' }, units: { type: 'array', items: unitSchema }, targets: { type: 'array', items: targetSchema } } } }
    }
  }, async () => await units.catalogueSnapshot())

  app.put<{ Body: unknown }>('/api/v1/catalogue', {
    config: { permission: 'admin' },
    bodyLimit: 20 * 1024 * 1024,
    schema: {
      summary: 'Apply a province catalogue snapshot when it is later than the one applied here (idempotent; local changes stay)',
      body: { type: 'object' },
      response: { 200: { type: 'object', properties: { applied: { type: 'boolean' }, version: { type: 'integer' }, units: { type: 'integer' }, targets: { type: 'integer' }, overridden: { type: 'integer' } } } }
    }
  }, async (request) => await units.applyCatalogue(request.body))
}
