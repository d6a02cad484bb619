/**
 * The HTTP face of a node: fastify with one plugin per group of routes, JSON schemas beside each handler, one auth
 * hook and one error handler. `local: true` builds the same API for the CLI's control socket, where the file
 * system's permissions are the authentication.
 */
import cookie from '@fastify/cookie'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { loadConfig } from '../config/index.js'
import { AppError } from '../errors/index.js'
import { createLogger } from '../log/index.js'
import { authPlugin } from './auth.js'
import { inertServices } from './contract.js'
import { installErrorHandler } from './errors.js'
import accessRoutes from './routes/access.js'
import adminRoutes from './routes/admin.js'
import batchRoutes from './routes/batches.js'
import batchEventRoutes from './routes/batch-events.js'
import healthRoutes from './routes/health.js'
import pagesRoutes from './routes/pages.js'
import recordRoutes from './routes/records.js'
import recordReviewRoutes from './routes/record-review.js'
import archiveRoutes from './routes/archive.js'
import scannerRoutes from './routes/scanners.js'
import searchRoutes from './routes/search.js'
import sessionRoutes from './routes/session.js'
import unitRoutes from './routes/units.js'
import verifyRoutes from './routes/verify.js'
import type { Services } from './types.js'

export type { Services } from './types.js'

export interface ApiOptions {
  services: Services
  logger: Logger
  local?: boolean
}

export async function buildApi ({ services, logger, local = false }: ApiOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    forceCloseConnections: true,
    requestTimeout: 120_000,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false } }
  })
  installErrorHandler(app)
  // An action such as approve has no body; browsers and scripts still send `content-type: application/json`.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') { done(null, undefined); return }
    try { done(null, JSON.parse(body as string)) } catch { done(new AppError('VALIDATION', { problems: ['body is not valid JSON'] }), undefined) }
  })
  await app.register(cookie)
  await app.register(authPlugin, { services, local })
  const opts = { services }
  await app.register(import('./routes/openapi.js'), opts) // first: its onRoute hook collects every route after it
  await app.register(healthRoutes, opts)
  await app.register(sessionRoutes, opts)
  await app.register(pagesRoutes, opts)
  await app.register(batchRoutes, opts)
  await app.register(batchEventRoutes, opts)
  await app.register(scannerRoutes, opts)
  await app.register(recordRoutes, opts)
  await app.register(recordReviewRoutes, opts)
  await app.register(archiveRoutes, opts)
  await app.register(searchRoutes, opts)
  await app.register(accessRoutes, opts)
  await app.register(unitRoutes, opts)
  await app.register(import('./routes/inventory.js'), opts)
  await app.register(import('./routes/reports.js'), opts)
  await app.register(adminRoutes, opts)
  await app.register(import('./routes/sync.js'), opts)
  await app.register(import('./routes/integration.js'), { ...opts, local }) // lookups work on the socket too; no rate limit there
  await app.register(import('./routes/outbox.js'), opts)
  if (!local) await app.register(verifyRoutes, opts)
  await app.register(import('./routes/dashboard.js'), opts)
  if (!local) await app.register(import('./routes/web-admin.js'))
  return app
}

/** The contract's version field: fixed, so the document (and the web admin's types made from it) depend on the schemas only. */
export const CONTRACT_VERSION = 'contract'

/**
 * The OpenAPI document of `/api/v1` from the route schemas alone: the same `buildApi` with inert services and the
 * default settings, asked for its document through `inject` (nothing listens, nothing is opened on disk). The build
 * turns it into `web-admin/src/api/schema.d.ts` (firmware-scripts/gen-api-types.mjs).
 */
export async function contractDocument (): Promise<Record<string, any>> {
  const config = loadConfig({ env: {}, overrides: { logLevel: 'silent' } })
  const app = await buildApi({ services: inertServices(CONTRACT_VERSION, config), logger: createLogger('silent') })
  try {
    const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
    if (res.statusCode !== 200) throw new Error(`openapi.json answered ${res.statusCode}: ${res.body}`)
    return res.json()
  } finally {
    await app.close()
  }
}
