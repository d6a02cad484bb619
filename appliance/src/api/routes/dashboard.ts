/**
 * `GET /api/v1/dashboard`: the figures of the web admin's Tổng quan page (computed and cached by `dashboard/`, built
 * in node.ts); this file holds only the route and its response schema.
 */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../types.js'

const count = { type: 'integer' } as const
const responseSchema = {
  type: 'object',
  properties: {
    generatedAt: { type: 'string' },
    pages: { type: 'object', properties: { today: count, week: count, last7Days: count, bytesLast7Days: count } },
    queue: { type: ['object', 'null'], properties: { received: count, prepared: count, recognized: count, indexed: count, failed: count, depth: count } },
    ocr: { type: 'object', properties: { lastHour: count, windowMinutes: count } },
    failures: {
      type: 'object',
      properties: {
        pages: count,
        items: { type: 'array', items: { type: 'object', properties: { pageId: { type: 'string' }, recordId: { type: 'string' }, batchId: { type: 'string' }, stage: { type: 'string' }, reason: { type: 'string' }, at: { type: 'string' } } } },
        pausedBatches: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, unit: { type: 'string' }, reason: { type: ['string', 'null'] }, pageCount: count, updatedAt: { type: 'string' } } } }
      }
    },
    disk: { type: ['object', 'null'], properties: { totalBytes: count, freeBytes: count, usedBytes: count, daysLeft: { type: ['number', 'null'] } } },
    replication: { type: ['object', 'null'], additionalProperties: true },
    scanners: {
      type: ['object', 'null'],
      properties: {
        hosts: { type: 'array', items: { type: 'object', properties: { host: { type: 'string' }, state: { type: 'string' } } } },
        scanners: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, host: { type: 'string' }, device: { type: 'string' }, vendor: { type: 'string' }, model: { type: 'string' }, state: { type: 'string' }, batchId: { type: 'string' } } } }
      }
    }
  }
} as const

export default async function dashboardRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get('/api/v1/dashboard', {
    config: { permission: 'read' },
    schema: { response: { 200: responseSchema } }
  }, async () => await services.dashboard.get())
}
