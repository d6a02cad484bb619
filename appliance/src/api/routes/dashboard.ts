/**
 * `GET /api/v1/dashboard`: the figures of the web admin's Tổng quan page (computed and cached by `dashboard/`, built
 * in node.ts); this file holds only the route and its response schema.
 */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../types.js'
import { syncStatusSchema } from './sync.js'
import { RECORD_STEPS } from '../../store/index.js'

const count = { type: 'integer' } as const
const text = { type: 'string' } as const
/** An object schema whose every property is always sent, but those named `optional`. */
const all = (properties: Record<string, unknown>, optional: string[] = [], type: string | string[] = 'object'): Record<string, unknown> =>
  ({ type, required: Object.keys(properties).filter(k => !optional.includes(k)), properties })
/** The answer's contract (the web admin's `Dashboard` type is generated from it). */
const responseSchema = all({
  generatedAt: text,
  pages: all({ today: count, week: count, last7Days: count, bytesLast7Days: count }),
  queue: all({
    received: count, prepared: count, recognized: count, indexed: count, failed: count, depth: count,
    steps: all(Object.fromEntries(RECORD_STEPS.map(s => [s, all({ pending: count, runs: count })])))
  }, [], ['object', 'null']),
  ocr: all({ lastHour: count, windowMinutes: count }),
  failures: all({
    pages: count,
    items: { type: 'array', items: all({ pageId: text, recordId: text, batchId: text, stage: text, reason: text, at: text }) },
    pausedBatches: { type: 'array', items: all({ id: text, unit: text, reason: { type: ['string', 'null'] }, pageCount: count, updatedAt: text }) }
  }),
  disk: all({ totalBytes: count, freeBytes: count, usedBytes: count, daysLeft: { type: ['number', 'null'] } }, [], ['object', 'null']),
  replication: { ...syncStatusSchema, type: ['object', 'null'] },
  scanners: all({
    hosts: { type: 'array', items: all({ host: text, state: { type: 'string', enum: ['reachable', 'unreachable'] } }) },
    scanners: { type: 'array', items: all({ id: text, host: text, device: text, vendor: text, model: text, state: { type: 'string', enum: ['ready', 'busy', 'unreachable'] }, batchId: text }, ['batchId']) }
  }, [], ['object', 'null'])
})

export default async function dashboardRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get('/api/v1/dashboard', {
    config: { permission: 'read' },
    schema: { response: { 200: responseSchema } }
  }, async () => await services.dashboard.get())
}
