/**
 * The HTTP face of a node: fastify with one plugin per group of routes, JSON schemas beside each handler, one auth
 * hook and one error handler. `local: true` builds the same API for the CLI's control socket, where the file
 * system's permissions are the authentication.
 */
import cookie from '@fastify/cookie'
import fastifyStatic from '@fastify/static'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { authPlugin } from './auth.js'
import { installErrorHandler } from './errors.js'
import accessRoutes from './routes/access.js'
import adminRoutes from './routes/admin.js'
import batchRoutes from './routes/batches.js'
import batchEventRoutes from './routes/batch-events.js'
import healthRoutes from './routes/health.js'
import pagesRoutes from './routes/pages.js'
import recordRoutes from './routes/records.js'
import scannerRoutes from './routes/scanners.js'
import searchRoutes from './routes/search.js'
import sessionRoutes from './routes/session.js'
import unitRoutes from './routes/units.js'
import type { Services } from './types.js'
import { WEB_ADMIN_ROOT } from '../paths.js'

export type { Services } from './types.js'

export interface ApiOptions {
  services: Services
  log: Logger
  local?: boolean
}

export async function buildApi ({ services, log, local = false }: ApiOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    forceCloseConnections: true,
    requestTimeout: 120_000,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false } }
  })
  installErrorHandler(app)
  await app.register(cookie)
  await app.register(authPlugin, { services, local })
  const opts = { services }
  await app.register(healthRoutes, opts)
  await app.register(sessionRoutes, opts)
  await app.register(pagesRoutes, opts)
  await app.register(batchRoutes, opts)
  await app.register(batchEventRoutes, opts)
  await app.register(scannerRoutes, opts)
  await app.register(recordRoutes, opts)
  await app.register(searchRoutes, opts)
  await app.register(accessRoutes, opts)
  await app.register(unitRoutes, opts)
  await app.register(adminRoutes, opts)
  if (!local) await app.register(fastifyStatic, { root: WEB_ADMIN_ROOT, wildcard: false, index: ['index.html'] })
  return app
}
