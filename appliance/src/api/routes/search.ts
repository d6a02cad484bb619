import type { FastifyInstance } from 'fastify'
import type { Services } from '../types.js'

interface SearchQuery { q?: string, unit?: string, limit?: number, offset?: number }

export default async function searchRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Querystring: SearchQuery }>('/api/v1/search', {
    config: { permission: 'read' },
    schema: {
      querystring: {
        type: 'object',
        properties: {
          q: { type: 'string', maxLength: 500 },
          unit: { type: 'string', maxLength: 400, description: 'one unit code, or several separated by commas' },
          limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          offset: { type: 'integer', minimum: 0, maximum: 10000, default: 0 }
        }
      },
      response: {
        200: {
          type: 'object',
          properties: {
            total: { type: 'integer' },
            results: { type: 'array', items: { type: 'object', properties: { recordId: { type: 'string' }, score: { type: 'number' }, snippet: { type: 'string' } } } }
          }
        }
      }
    }
  }, async (request) => {
    const { q = '', unit, limit, offset } = request.query
    const units = unit ? unit.split(',').map(u => u.trim()).filter(Boolean) : undefined
    return await services.search.search(q, { units, limit, offset })
  })
}
