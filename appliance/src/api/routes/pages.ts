import type { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { Intake } from '../../intake/index.js'
import { AppError } from '../../errors/index.js'
import type { Services } from '../types.js'
import { principalKey } from '../../auth/index.js'
import { readBoundedBody } from '../bounded-body.js'

const receipt = {
  type: 'object',
  properties: {
    batchId: { type: 'string' },
    recordId: { type: 'string' },
    pages: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, sha256: { type: 'string' } } } },
    duplicate: { type: 'boolean' }
  }
} as const

interface PagesQuery { unit: string, batch?: string, filename?: string }

/**
 * `POST /api/v1/pages`: the raw image file (or a scanned PDF: one record, a page per PDF page) is the body.
 * 201 when new, 200 when these bytes were already taken.
 */
export default async function pagesRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const bodyLimit = services.config.maxUploadBytes
  const uploadSlots = new WeakMap<object, { release: () => void, working: boolean }>()
  // Image and PDF bodies arrive whole in memory (limit-checked while streaming) before the cheap checks run.
  app.addContentTypeParser(['image/jpeg', 'image/png', 'image/tiff', 'application/pdf', 'application/octet-stream'], async (_req: unknown, payload: Readable) => await readBoundedBody(payload, bodyLimit))

  app.post<{ Querystring: PagesQuery, Body: Buffer }>('/api/v1/pages', {
    bodyLimit,
    config: { permission: 'ingest' },
    schema: {
      querystring: {
        type: 'object', required: ['unit'],
        properties: { unit: { type: 'string', minLength: 1, maxLength: 35 }, batch: { type: 'string', maxLength: 40 }, filename: { type: 'string', maxLength: 1024 } }
      },
      headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 8, maxLength: 200 } } },
      response: { 200: receipt, 201: receipt }
    },
    // A slot before the body is read (onRequest runs before parsing), given back when the intake is done: a client
    // that goes away while its file is being stored does not free the slot before the work ends.
    onRequest: async (request) => {
      const release = services.intake.tryUploadSlot()
      if (!release) throw new AppError('UPLOADS_BUSY', { retryAfterSeconds: 2 })
      uploadSlots.set(request, { release, working: false })
    },
    preHandler: async (request) => { const slot = uploadSlots.get(request); if (slot) slot.working = true },
    onResponse: async (request) => { uploadSlots.get(request)?.release() },
    onRequestAbort: async (request) => { const slot = uploadSlots.get(request); if (slot && !slot.working) slot.release() },
    preValidation: async (request) => {
      if (!Intake.acceptsContentType(request.headers['content-type'])) throw new AppError('UNSUPPORTED_MEDIA_TYPE')
    }
  }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const result = await services.intake.accept({
      unit: request.query.unit,
      batchId: request.query.batch,
      filename: request.query.filename,
      bytes: body,
      declaredType: request.headers['content-type'],
      source: 'api',
      idempotencyKey: request.headers['idempotency-key'] as string | undefined,
      principal: principalKey(request.principal)
    }).finally(() => uploadSlots.get(request)?.release())
    if (result.created) services.metrics?.pagesReceived.inc({ source: 'api' }, result.pages.length)
    const { created, timings, ...answer } = result
    if (timings) void reply.header('server-timing', Object.entries(timings).map(([k, v]) => `${k};dur=${v.toFixed(1)}`).join(', '))
    return await reply.code(created ? 201 : 200).send({ ...answer, duplicate: !created })
  })
}
