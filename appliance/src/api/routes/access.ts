import type { FastifyInstance } from 'fastify'
import { ROLES, SCOPES, type Role, type Scope } from '../../store/index.js'
import type { Services } from '../types.js'

const tokenSchema = {
  type: 'object',
  required: ['id', 'name', 'scope', 'createdAt'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string', enum: SCOPES }, createdAt: { type: 'string' }, createdBy: { type: 'string' }, revokedAt: { type: 'string' } }
} as const

const userSchema = {
  type: 'object',
  required: ['username', 'roles'],
  properties: { username: { type: 'string' }, displayName: { type: 'string' }, roles: { type: 'array', items: { type: 'string', enum: ROLES } }, disabled: { type: 'boolean' }, createdAt: { type: 'string' } }
} as const

/** Users and tokens: admin only. Secrets appear once, in the answer that creates them. */
export default async function accessRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.post<{ Body: { name: string, scope: Scope } }>('/api/v1/tokens', {
    config: { permission: 'admin' },
    schema: {
      body: { type: 'object', additionalProperties: false, required: ['name', 'scope'], properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, scope: { enum: [...SCOPES] } } },
      response: { 201: { type: 'object', required: ['token', 'secret'], properties: { token: tokenSchema, secret: { type: 'string' } } } }
    }
  }, async (request, reply) => {
    const created = await services.auth.createToken({ ...request.body, createdBy: request.principal!.id })
    request.log.info({ tokenId: created.token.id, scope: created.token.scope }, 'token created')
    return await reply.code(201).send(created)
  })

  app.get('/api/v1/tokens', {
    config: { permission: 'admin' },
    schema: { response: { 200: { type: 'array', items: tokenSchema } } }
  }, async () => await services.auth.listTokens())

  app.delete<{ Params: { id: string } }>('/api/v1/tokens/:id', {
    config: { permission: 'admin' },
    schema: { params: { type: 'object', properties: { id: { type: 'string', maxLength: 40 } } }, response: { 200: tokenSchema } }
  }, async (request) => {
    const token = await services.auth.revokeToken(request.params.id)
    request.log.info({ tokenId: token.id }, 'token revoked')
    return token
  })

  app.post<{ Body: { username: string, password: string, roles: Role[], displayName?: string } }>('/api/v1/users', {
    config: { permission: 'admin' },
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['username', 'password', 'roles'],
        properties: {
          username: { type: 'string', minLength: 2, maxLength: 64 },
          password: { type: 'string', minLength: 8, maxLength: 1024 },
          displayName: { type: 'string', maxLength: 200 },
          roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...ROLES] } }
        }
      },
      response: { 201: userSchema }
    }
  }, async (request, reply) => await reply.code(201).send(await services.auth.addUser(request.body)))

  app.get('/api/v1/users', {
    config: { permission: 'admin' },
    schema: { response: { 200: { type: 'array', items: userSchema } } }
  }, async () => await services.auth.listUsers())
}
