import type { FastifyInstance, FastifyReply } from 'fastify'
import { progressCsv, progressXlsx, type ProgressOptions } from '../../reports/index.js'
import { UNIT_CODE } from '../../units/index.js'
import type { Services } from '../types.js'

const figures = {
  received: { type: 'integer' }, recognized: { type: 'integer' }, archived: { type: 'integer' },
  target: { type: ['integer', 'null'] }, targetEstimated: { type: 'boolean' }, percent: { type: ['number', 'null'] },
  counted: { type: 'integer' }, countedArchived: { type: 'integer' }, percentOfCounted: { type: ['number', 'null'] },
  costVnd: { type: 'integer' }, rateReceived: { type: 'number' }, rateArchived: { type: 'number' }, forecast: { type: ['string', 'null'] }
} as const
const figureNames = Object.keys(figures)
const level = { type: 'string', enum: ['province', 'district', 'commune'] } as const

export const progressSchema = {
  type: 'object',
  required: ['year', 'unit', 'generatedAt', 'unitPriceVnd', 'rows', 'byLevel', 'totals'],
  properties: {
    year: { type: ['integer', 'null'] },
    unit: { type: ['string', 'null'] },
    generatedAt: { type: 'string' },
    unitPriceVnd: { type: 'integer' },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'name', 'level', 'parent', 'mergedInto', 'includes', 'inTotal', ...figureNames],
        properties: {
          code: { type: 'string' }, name: { type: 'string' }, level, parent: { type: ['string', 'null'] },
          mergedInto: { type: ['string', 'null'] }, includes: { type: 'array', items: { type: 'string' } }, inTotal: { type: 'boolean' },
          ...figures
        }
      }
    },
    byLevel: { type: 'array', items: { type: 'object', required: ['level', 'units', ...figureNames], properties: { level, units: { type: 'integer' }, ...figures } } },
    totals: { type: 'object', required: figureNames, properties: figures }
  }
} as const

const query = {
  type: 'object',
  additionalProperties: false,
  properties: { year: { type: 'integer', minimum: 2000, maximum: 2100 }, unit: { type: 'string', pattern: UNIT_CODE } }
} as const

type Query = { Querystring: ProgressOptions }

/** `tien-do-so-hoa[-2024][-622].xlsx`: ASCII, so every browser and mail client keeps it. */
const fileName = (q: ProgressOptions, ext: string): string => ['tien-do-so-hoa', q.year, q.unit].filter(x => x !== undefined).join('-') + `.${ext}`

const attach = (reply: FastifyReply, type: string, name: string): FastifyReply => reply.type(type).header('content-disposition', `attachment; filename="${name}"`)

export default async function reportRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { reports } = services

  app.get<Query>('/api/v1/reports/progress', {
    config: { permission: 'read' },
    schema: {
      summary: 'Progress per unit and by level: pages received, recognized, archived; target, percent, cost, 30-day rate, forecast',
      querystring: query,
      response: { 200: progressSchema }
    }
  }, async (request) => await reports.progress(request.query))

  app.get<Query>('/api/v1/reports/progress.xlsx', {
    config: { permission: 'read' },
    schema: { summary: 'The progress report as an XLSX workbook (the yearly report to the Department)', querystring: query }
  }, async (request, reply) => {
    const body = await progressXlsx(await reports.progress(request.query))
    return await attach(reply, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName(request.query, 'xlsx')).send(body)
  })

  app.get<Query>('/api/v1/reports/progress.csv', {
    config: { permission: 'read' },
    schema: { summary: 'The progress report as CSV (UTF-8 with BOM, for Excel)', querystring: query }
  }, async (request, reply) => {
    const body = progressCsv(await reports.progress(request.query))
    return await attach(reply, 'text/csv; charset=utf-8', fileName(request.query, 'csv')).send(body)
  })
}
