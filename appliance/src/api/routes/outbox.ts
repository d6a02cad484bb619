/**
 * The outbox to the one-stop systems and the national portal (issue 7), for admins: each target's position in the
 * archive log, its dead letters, sending one back (same idempotency key) or discarding it with a reason.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import type { Outbox } from '../../integration/index.js'
import type { Services } from '../types.js'

const who = (request: { principal: { id: string } | null }): string => request.principal?.id ?? 'unknown'
const DEAD_LETTER_ID = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}~[1-9][0-9]{0,14}$'
const STATES = ['open', 'all', 'dead', 'retrying', 'delivered', 'discarded'] as const

const SAMPLE_KEY = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK:41'
const SAMPLE_MESSAGE = {
  service: 'DongBoHoSoMC',
  isUpdating: 'False',
  data: [{
    MaHoSo: 'H21.12-190514-0001', MaTTHC: '1.003560', MaCoQuan: 'H21.12', MaDonVi: '622',
    DanhSachGiayToKetQua: [{
      TenGiayTo: 'GIẤY PHÉP XÂY DỰNG', MaThanhPhanHoSo: 'H21.12-190514-0001.01', GiayToId: 'SH-622-01jd2k8m6y0000000000000',
      DuongDanTepTinKetQua: 'https://sohoa.pleiku.gialai.gov.vn/api/v1/integration/files/r_01jd2k8m6y0000000000000/H21.12-190514-0001.01.pdf?exp=1796000000&sig=…',
      MaGiayToKetQua: 'KQ.G15.000031', SoKyHieu: '1470/GPXD-UBND', NgayCap: '20190514000000', CoQuanBanHanh: 'UBND HUYỆN CHƯ SÊ', HieuLucDen: '',
      TrangThaiHieuLuc: 'valid', TenTepTin: 'H21.12-190514-0001.01.pdf', Sha256TepTin: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      HanDuongDan: '20261205150000', SoDinhDanhChuSoHuu: '064095000123', TenChuSoHuu: 'Nguyễn Văn An'
    }],
    NgayCapNhat: '20261128150000'
  }]
}

const targetSchema = {
  type: 'object',
  required: ['name', 'url', 'nextSeq', 'headSeq', 'pending', 'delivered', 'deadLetters'],
  properties: {
    name: { type: 'string' },
    url: { type: 'string', description: 'without credentials' },
    nextSeq: { type: 'integer', description: 'the next archive log entry to hand over' },
    headSeq: { type: 'integer', description: 'the archive log head' },
    pending: { type: 'integer', description: 'log entries not yet handed over, plus dead letters sent back' },
    delivered: { type: 'integer' },
    lastDeliveredAt: { type: 'string' },
    current: {
      type: 'object',
      description: 'the message being retried at the head',
      required: ['seq', 'attempts', 'nextAttemptAt'],
      properties: { seq: { type: 'integer' }, attempts: { type: 'integer' }, nextAttemptAt: { type: 'string' }, lastError: { type: 'string' } }
    },
    deadLetters: { type: 'integer', description: 'waiting for an admin' },
    retrying: { type: 'integer', description: 'sent back by an admin, not yet delivered' }
  }
} as const

const deadLetterSchema = {
  type: 'object',
  required: ['id', 'target', 'seq', 'recordId', 'type', 'idempotencyKey', 'state', 'attempts', 'firstAttemptAt', 'lastAttemptAt', 'lastError', 'message'],
  properties: {
    id: { type: 'string' },
    target: { type: 'string' },
    seq: { type: 'integer' },
    recordId: { type: ['string', 'null'] },
    type: { type: 'string' },
    idempotencyKey: { type: 'string' },
    state: { type: 'string', enum: ['dead', 'retrying', 'delivered', 'discarded'] },
    attempts: { type: 'integer' },
    retries: { type: 'integer' },
    firstAttemptAt: { type: ['string', 'null'] },
    lastAttemptAt: { type: ['string', 'null'] },
    lastError: { type: 'string' },
    message: { type: ['object', 'null'], additionalProperties: true, description: 'the national sync envelope (DongBoHoSoMC) as last built' },
    heldBehind: { type: 'integer', description: 'never sent: an earlier message about the same record is a dead letter' },
    nextAttemptAt: { type: 'string' },
    retriedAt: { type: 'string' },
    retriedBy: { type: 'string' },
    deliveredAt: { type: 'string' },
    discarded: { type: 'object', required: ['at', 'by', 'reason'], properties: { at: { type: 'string' }, by: { type: 'string' }, reason: { type: 'string' } } }
  }
} as const

const SAMPLE_DEAD_LETTER = {
  id: 'motcua-gialai~41', target: 'motcua-gialai', seq: 41, recordId: 'r_01jd2k8m6y0000000000000', type: 'record.archived',
  idempotencyKey: SAMPLE_KEY, state: 'dead', attempts: 10, retries: 0, firstAttemptAt: '2026-11-28T08:00:00.000Z',
  lastAttemptAt: '2026-11-28T09:02:11.000Z', lastError: 'HTTP 500', message: SAMPLE_MESSAGE
}

export const outboxStatusSchema = {
  type: 'object',
  required: ['targets'],
  properties: { targets: { type: 'array', items: targetSchema } },
  examples: [{
    targets: [{
      name: 'motcua-gialai', url: 'https://motcua.gialai.gov.vn/api/dongbo', nextSeq: 42, headSeq: 57, pending: 16, delivered: 40,
      lastDeliveredAt: '2026-11-28T08:59:58.000Z', current: { seq: 42, attempts: 3, nextAttemptAt: '2026-11-28T09:03:00.000Z', lastError: 'no answer within 15000 ms' },
      deadLetters: 1, retrying: 0
    }]
  }]
} as const

export const deadLettersSchema = {
  type: 'object',
  required: ['deadLetters'],
  properties: { deadLetters: { type: 'array', items: deadLetterSchema } },
  examples: [{ deadLetters: [SAMPLE_DEAD_LETTER] }]
} as const

export const retrySchema = {
  type: 'object',
  required: ['queued'],
  properties: { queued: { type: 'boolean' }, ids: { type: 'array', items: { type: 'string' }, description: 'this dead letter and the others about the same record' } },
  examples: [{ queued: true, ids: ['motcua-gialai~41', 'motcua-gialai~45'] }]
} as const

export const discardSchema = {
  type: 'object',
  required: ['discarded', 'deadLetter'],
  properties: { discarded: { type: 'boolean' }, deadLetter: deadLetterSchema },
  examples: [{ discarded: true, deadLetter: { ...SAMPLE_DEAD_LETTER, state: 'discarded', discarded: { at: '2026-11-28T10:00:00.000Z', by: 'admin', reason: 'Cổng đã nhận qua kênh khác' } } }]
} as const

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: DEAD_LETTER_ID, description: '`<target>~<seq>`' } } } as const

export default async function outboxRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const outbox = (): Outbox => {
    if (!services.outbox) throw new AppError('SERVICE_UNAVAILABLE')
    return services.outbox
  }

  app.get('/api/v1/integration/outbox', {
    config: { permission: 'admin' },
    schema: { summary: 'Each outbox target\'s position in the archive log and its dead letters', response: { 200: outboxStatusSchema } }
  }, async () => ({ targets: await outbox().status() }))

  app.get<{ Querystring: { target?: string, state?: typeof STATES[number], limit?: number } }>('/api/v1/integration/outbox/dead-letters', {
    config: { permission: 'admin' },
    schema: {
      summary: 'Messages a target did not take, oldest first',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          target: { type: 'string', maxLength: 64, description: 'only this target' },
          state: { type: 'string', enum: STATES, default: 'open', description: '`open` (dead and retrying), `all`, or one state' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 }
        }
      },
      response: { 200: deadLettersSchema }
    }
  }, async (request) => ({ deadLetters: await outbox().deadLetters({ target: request.query.target, state: request.query.state, limit: request.query.limit }) }))

  app.post<{ Params: { id: string } }>('/api/v1/integration/outbox/dead-letters/:id/retry', {
    config: { permission: 'admin' },
    schema: { summary: 'Send a dead letter back to its target, with its idempotency key', params: idParams, response: { 202: retrySchema } }
  }, async (request, reply) => {
    const { queued } = await outbox().retry(request.params.id, who(request))
    return await reply.code(202).send({ queued: true, ids: queued })
  })

  app.delete<{ Params: { id: string }, Body: { reason: string } }>('/api/v1/integration/outbox/dead-letters/:id', {
    config: { permission: 'admin' },
    schema: {
      summary: 'Give a dead letter up (kept as discarded, never sent)',
      params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 3, maxLength: 1000 } } },
      response: { 200: discardSchema }
    }
  }, async (request) => ({ discarded: true, deadLetter: await outbox().discard(request.params.id, request.body.reason, who(request)) }))
}
