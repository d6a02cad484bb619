/**
 * Replication (issue 5): status on either role, `run` and `restore` on a district, the registry of district nodes
 * and per-district figures on the province.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import type { SyncService } from '../../../../sync/src/index.js'
import type { Services } from '../types.js'

const PEER_ID = '^[1-9A-HJ-NP-Za-km-z]{40,60}$'
const failure = { type: ['object', 'null'], properties: { seq: { type: 'integer' }, problem: { type: 'string' }, at: { type: 'string' } } } as const

const districtSchema = {
  type: 'object',
  properties: {
    peerId: { type: 'string' },
    unit: { type: 'string' },
    replica: { type: 'string' },
    records: { type: 'integer' },
    pages: { type: 'integer' },
    bytes: { type: 'integer' },
    acked: { type: 'integer' },
    lag: { type: 'object', properties: { entries: { type: 'integer' }, bytes: { type: 'integer' } } },
    lastContact: { type: ['string', 'null'] },
    verificationFailures: { type: 'integer' },
    lastFailure: failure,
    halted: failure
  }
} as const

const revocation = { type: ['object', 'null'], properties: { at: { type: 'string' }, after: { type: 'integer' }, reason: { type: 'string' } } } as const
const peerSchema = { type: 'object', properties: { peerId: { type: 'string' }, unit: { type: 'string' }, replica: { type: 'string' }, addedAt: { type: 'string' }, revoked: revocation } } as const

const nullableText = { type: ['string', 'null'] } as const
/**
 * The status, either role. Its shape differs by role, so the fields both send are required, those of one role
 * are optional, and anything else (a diagnostic added later) still passes (`additionalProperties`): nothing is
 * stripped. The dashboard's `replication` is this too.
 */
export const syncStatusSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['role', 'peerId', 'online', 'listen', 'window', 'bandwidth', 'running', 'entriesBehind', 'bytesBehind', 'rate', 'bytesSent', 'bytesReceived', 'lastSuccess', 'lastError', 'lastContact'],
  properties: {
    role: { type: 'string', enum: ['district', 'province'] },
    peerId: { type: 'string' },
    online: { type: 'boolean' },
    listen: { type: 'array', items: { type: 'string' } },
    window: { type: 'object', required: ['open', 'nextStart', 'nextEnd'], properties: { open: { type: 'boolean' }, nextStart: nullableText, nextEnd: nullableText } },
    bandwidth: { type: 'number' },
    running: { type: 'boolean' },
    head: { type: 'integer' },
    acked: { type: 'integer' },
    entriesBehind: { type: 'integer' },
    bytesBehind: { type: 'integer' },
    rate: { type: 'number' },
    bytesSent: { type: 'integer' },
    bytesReceived: { type: 'integer' },
    lastSuccess: nullableText,
    lastError: nullableText,
    lastContact: nullableText,
    refused: failure,
    province: { type: 'array', items: { type: 'string' } },
    districts: { type: 'integer' },
    restore: {
      type: 'object',
      required: ['state', 'startedAt', 'finishedAt', 'entries', 'totalEntries', 'bytes', 'error'],
      properties: {
        state: { type: 'string', enum: ['idle', 'running', 'done', 'failed'] }, startedAt: nullableText, finishedAt: nullableText,
        entries: { type: 'integer' }, totalEntries: { type: 'integer' }, bytes: { type: 'integer' }, error: nullableText
      }
    }
  }
} as const

export default async function syncRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const sync = (): SyncService => {
    if (!services.sync) throw new AppError('SYNC_DISABLED')
    return services.sync
  }
  const province = (): SyncService => {
    const s = sync()
    if (s.role !== 'province') throw new AppError('SYNC_ROLE', { needs: 'province' })
    return s
  }
  const district = (): SyncService => {
    const s = sync()
    if (s.role !== 'district') throw new AppError('SYNC_ROLE', { needs: 'district' })
    return s
  }

  app.get('/api/v1/sync/status', { config: { permission: 'read' }, schema: { response: { 200: syncStatusSchema } } }, async () => await sync().status())

  app.post('/api/v1/sync/run', { config: { permission: 'admin' } }, async () => await district().run())

  app.post<{ Body: { trust?: string[] } | undefined }>('/api/v1/sync/restore', {
    config: { permission: 'admin' },
    schema: {
      // `trust`: keys of this node's log the admin vouches for (the lost key a new node replaced); the province's word is not taken.
      body: { type: ['object', 'null'], additionalProperties: false, properties: { trust: { type: 'array', maxItems: 16, items: { type: 'string', pattern: PEER_ID } } } }
    }
  }, async (request, reply) => {
    const progress = await district().restore({ trust: request.body?.trust ?? [] })
    return await reply.code(202).send(progress)
  })

  app.get('/api/v1/sync/districts', {
    config: { permission: 'read' },
    schema: { response: { 200: { type: 'object', properties: { districts: { type: 'array', items: districtSchema } } } } }
  }, async () => ({ districts: await province().districts() }))

  app.get('/api/v1/sync/peers', {
    config: { permission: 'admin' },
    schema: { response: { 200: { type: 'object', properties: { peers: { type: 'array', items: peerSchema } } } } }
  }, async () => ({ peers: await province().peers() }))

  app.post<{ Body: { peerId: string, unit: string, replaces?: string } }>('/api/v1/sync/peers', {
    config: { permission: 'admin' },
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['peerId', 'unit'],
        properties: { peerId: { type: 'string', pattern: PEER_ID }, unit: { type: 'string', minLength: 1, maxLength: 40 }, replaces: { type: 'string', pattern: PEER_ID } }
      },
      response: { 201: peerSchema }
    }
  }, async (request, reply) => {
    const { peerId, unit, replaces } = request.body
    return await reply.code(201).send(await province().addPeer(peerId, unit, replaces ? { replaces } : {}))
  })

  app.post<{ Params: { peerId: string }, Body: { reason: string } }>('/api/v1/sync/peers/:peerId/revoke', {
    config: { permission: 'admin' },
    schema: {
      params: { type: 'object', properties: { peerId: { type: 'string', pattern: PEER_ID } } },
      body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } },
      response: { 200: peerSchema }
    }
  }, async (request) => await province().revokePeer(request.params.peerId, request.body.reason))

  app.post<{ Params: { peerId: string } }>('/api/v1/sync/districts/:peerId/resume', {
    config: { permission: 'admin' },
    schema: { params: { type: 'object', properties: { peerId: { type: 'string', pattern: PEER_ID } } }, response: { 200: { type: 'object', properties: { resumed: { type: 'boolean' } } } } }
  }, async (request) => {
    const resumed = await province().resumeDistrict(request.params.peerId)
    if (!resumed) throw new AppError('SYNC_PEER_UNKNOWN', { peerId: request.params.peerId })
    return { resumed }
  })

  // Record ids are unique per replica only: `?replica=` names the district's replica; without it, the record of
  // this id stored first at the province (the one search shows), and `others` says which replicas hold it too.
  app.get<{ Params: { id: string }, Querystring: { replica?: string } }>('/api/v1/sync/records/:id', {
    config: { permission: 'read' },
    schema: {
      params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
      querystring: { type: 'object', additionalProperties: false, properties: { replica: { type: 'string', pattern: PEER_ID } } }
    }
  }, async (request) => {
    const records = await province().replicaRecords(request.params.id, request.query.replica) as Array<{ replica: string, storedAt?: string }>
    records.sort((x, y) => (x.storedAt ?? '').localeCompare(y.storedAt ?? '') || x.replica.localeCompare(y.replica))
    const [record, ...others] = records
    if (!record) throw new AppError('RECORD_NOT_FOUND', { recordId: request.params.id })
    return { ...record, others: others.map(r => r.replica) }
  })
}
