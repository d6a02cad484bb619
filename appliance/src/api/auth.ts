/**
 * Who is calling, checked before the body is read: a bearer token (machines) or the session cookie (people, with a
 * CSRF token echoed in `X-CSRF-Token` on every state-changing request). Each route names its permission in
 * `config.permission`; routes without one are public (health, metrics, login).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { LOCAL_PRINCIPAL } from '../auth/index.js'
import { AppError } from '../errors/index.js'
import type { Services } from './types.js'

export const SESSION_COOKIE = 'sohoa_session'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export const authPlugin = fp(async (app: FastifyInstance, opts: { services: Services, local: boolean }) => {
  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    request.principal = opts.local ? LOCAL_PRINCIPAL : await identify(request, opts.services)
    const needed = request.routeOptions.config?.permission
    if (!needed) return
    const principal = request.principal
    if (!principal) throw new AppError('UNAUTHENTICATED')
    if (principal.kind === 'user' && !SAFE_METHODS.has(request.method) && request.headers['x-csrf-token'] !== principal.csrfToken) throw new AppError('CSRF')
    if (!principal.permissions.has(needed)) throw new AppError('FORBIDDEN', { needs: needed })
  })
}, { name: 'sohoa-auth' })

async function identify (request: FastifyRequest, services: Services) {
  const header = request.headers.authorization
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const principal = match ? await services.auth.fromToken(match[1]) : null
    if (!principal) throw new AppError('UNAUTHENTICATED')
    return principal
  }
  const cookie = request.cookies?.[SESSION_COOKIE]
  return cookie ? await services.auth.fromSession(cookie) : null
}
