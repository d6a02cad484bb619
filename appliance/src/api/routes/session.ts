import type { FastifyInstance } from 'fastify'
import { LoginThrottle } from '../../auth/index.js'
import { AppError, isAppError } from '../../errors/index.js'
import { SESSION_COOKIE } from '../auth.js'
import { PERMISSIONS } from '../../auth/index.js'
import { ROLES } from '../../store/index.js'
import type { Services } from '../types.js'

const roles = { type: 'array', items: { type: 'string', enum: ROLES } } as const
const userSchema = {
  type: 'object',
  required: ['username', 'roles'],
  properties: { username: { type: 'string' }, displayName: { type: 'string' }, roles }
} as const

export default async function sessionRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  // Behind TLS (SOHOA_SECURE_COOKIE) the browser must never send the cookie over plain HTTP.
  const secureCookie = services.config.secureCookie
  const maxAge = services.config.sessionMaxHours * 3600
  const throttle = new LoginThrottle()

  app.post<{ Body: { username: string, password: string } }>('/api/v1/session', {
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['username', 'password'],
        properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 1024 } }
      },
      response: { 200: { type: 'object', required: ['user', 'csrfToken'], properties: { user: userSchema, csrfToken: { type: 'string' } } } }
    }
  }, async (request, reply) => {
    const name = request.body.username.trim().toLowerCase()
    try {
      throttle.admit(request.ip, name)
    } catch (err) {
      if (isAppError(err)) void reply.header('retry-after', String(err.details?.retryAfterSeconds ?? 60))
      throw err
    }
    let session
    try {
      session = await services.auth.login(request.body.username, request.body.password)
    } catch (err) {
      // The try was counted as a failure when admitted; a refusal for load (RATE_LIMITED) says when to come back.
      if (isAppError(err) && err.code === 'LOGIN_FAILED') request.log.warn({ address: request.ip }, 'login failed')
      if (isAppError(err) && err.code === 'RATE_LIMITED') void reply.header('retry-after', String(err.details?.retryAfterSeconds ?? 1))
      throw err
    }
    throttle.succeeded(request.ip, name)
    const { cookie, csrfToken, user } = session
    void reply.setCookie(SESSION_COOKIE, cookie, { httpOnly: true, sameSite: 'strict', path: '/', secure: secureCookie, maxAge })
    return { user, csrfToken }
  })

  app.get('/api/v1/session', {
    config: { permission: 'read' },
    schema: {
      response: {
        200: {
          type: 'object',
          required: ['kind', 'id', 'roles', 'permissions'],
          properties: { kind: { type: 'string', enum: ['user', 'token', 'local'] }, id: { type: 'string' }, roles, permissions: { type: 'array', items: { type: 'string', enum: PERMISSIONS } }, csrfToken: { type: 'string' } }
        }
      }
    }
  }, async (request) => {
    const p = request.principal
    if (!p) throw new AppError('UNAUTHENTICATED')
    return { kind: p.kind, id: p.id, roles: p.roles, permissions: [...p.permissions], csrfToken: p.csrfToken }
  })

  app.delete('/api/v1/session', async (request, reply) => {
    const cookie = request.cookies[SESSION_COOKIE]
    if (cookie) await services.auth.logout(cookie)
    void reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return await reply.code(204).send()
  })
}
