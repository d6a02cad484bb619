/**
 * Result lookup for the systems that reuse digitized results (issue 7): our JSON lookup, the national citizen data
 * store's lookup, the signed file links both hand out, and the audit trail of lookups by personal ID.
 *
 * Every lookup, answered or refused after its caller was identified, is audited (a synced write) before the answer
 * leaves: answers in the handler, refusals (no purpose, bad input, missing permission, failures) in `onError`, which
 * fastify runs before the error handler sends anything. Unauthenticated calls are not audited: there is no one to
 * name, and a stranger must not be able to make the node write to disk. The personal ID goes to the audit store
 * only: request URLs are logged without their query string (log/index.ts) and the lines below log counts and ids.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, isAppError } from '../../errors/index.js'
import {
  FILE_LINK_PATH, fromNationalRequest, toNationalAnswer, toNationalError,
  type AuditFilter, type IntegrationServices, type LookupEndpoint, type NationalLookupRequest
} from '../../integration/index.js'
import type { Services } from '../types.js'

// ---- schemas (OpenAPI 3.1 takes them as they are; `examples` documents them and a test validates them) ----

const str = (maxLength: number, description?: string): Record<string, unknown> => ({ type: 'string', maxLength, ...(description ? { description } : {}) })
const nullable = (maxLength = 300): Record<string, unknown> => ({ type: ['string', 'null'], maxLength })
const SAMPLE_ID = '064190001234'
const SAMPLE_LINK = 'https://sohoa.chuse.gialai.gov.vn/api/v1/integration/files/r_01jd2k8m6y0000000000000/000.00.21.H21-230505-0001.01.pdf?exp=1764403200&sig=Jc2v0Qm0yZs3l9m1kq8m0QeW2l3r3m4s5t6u7v8w9x0'

export const resultsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    subjectId: str(32, 'personal ID number (CCCD, 12 digits; spaces and dots ignored)'),
    documentNumber: str(100, 'số, ký hiệu as printed (case, spaces and dash variants ignored)'),
    resultTypeCode: str(40, 'mã kết quả, e.g. KQ.G15.000031'),
    purpose: str(500, 'why the data is needed (required; kept in the audit trail)')
  }
} as const

const fileSchema = {
  type: 'object',
  required: ['name', 'sha256', 'url', 'expiresAt'],
  properties: { name: { type: 'string' }, sha256: { type: 'string' }, url: { type: 'string' }, expiresAt: { type: 'string' } }
} as const

const resultSchema = {
  type: 'object',
  required: ['archiveId', 'recordId', 'unit', 'validity', 'files'],
  properties: {
    archiveId: { type: 'string' }, recordId: { type: 'string' }, unit: { type: 'string' },
    agencyCode: nullable(), documentType: nullable(), documentNumber: nullable(), issuedDate: nullable(), issuer: nullable(),
    resultTypeCode: nullable(), procedureCode: nullable(), dossierCode: nullable(),
    validity: { type: 'object', required: ['state'], properties: { state: { type: 'string', enum: ['valid'] } } },
    validUntil: nullable(),
    files: { type: 'array', items: fileSchema }
  }
} as const

export const resultsResponseSchema = {
  type: 'object',
  required: ['results'],
  properties: { results: { type: 'array', items: resultSchema } },
  examples: [{
    results: [{
      archiveId: 'SH-622-01jd2k8m6y0000000000000', recordId: 'r_01jd2k8m6y0000000000000', unit: '622', agencyCode: '000.00.21.H21',
      documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: '1470/GPXD-UBND', issuedDate: '2023-05-05', issuer: 'UBND THÀNH PHỐ PLEIKU',
      resultTypeCode: 'KQ.G15.000031', procedureCode: '1.009972', dossierCode: '000.00.21.H21-230505-0001',
      validity: { state: 'valid' }, validUntil: null,
      files: [{ name: '000.00.21.H21-230505-0001.01.pdf', sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', url: SAMPLE_LINK, expiresAt: '2026-11-29T08:00:00.000Z' }]
    }]
  }]
} as const

export const nationalRequestSchema = {
  type: 'object',
  required: ['SoDinhDanhChuSoHuu'],
  properties: {
    SoDinhDanhChuSoHuu: str(32, 'the owner\'s personal ID number'),
    HoTenNguoiYeuCau: str(200), KenhThucHien: { anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 50 }] }, SoDinhDanhNguoiYeuCau: str(32), MaThuTuc: str(60),
    DanhSachDanhMucKetQua: { type: 'array', maxItems: 50, items: { type: 'object', properties: { MaKetQua: str(40), SoKyHieu: str(100) } } },
    MucDich: str(500, 'purpose (required; kept in the audit trail)')
  },
  examples: [{
    SoDinhDanhChuSoHuu: SAMPLE_ID, HoTenNguoiYeuCau: 'Trần Văn Bình', KenhThucHien: '1', SoDinhDanhNguoiYeuCau: '064085000321', MaThuTuc: '1.009972',
    DanhSachDanhMucKetQua: [{ MaKetQua: 'KQ.G15.000031' }], MucDich: 'Giải quyết hồ sơ cấp phép sửa chữa nhà ở'
  }]
} as const

export const nationalResponseSchema = {
  type: 'object',
  required: ['errorCode', 'message', 'result'],
  properties: {
    errorCode: { type: 'string' },
    message: { type: 'string' },
    result: {
      type: 'object',
      required: ['DanhSachGiayToKetQua'],
      properties: {
        DanhSachGiayToKetQua: {
          type: 'array',
          items: {
            type: 'object',
            required: ['MaKetQua', 'TenGiayTo', 'SoKyHieu', 'CoQuanChuQuan', 'NgayCap', 'DanhSachTepDinhKem'],
            properties: {
              MaKetQua: { type: 'string' }, TenGiayTo: { type: 'string' }, SoKyHieu: { type: 'string' }, CoQuanChuQuan: { type: 'string' },
              NgayCap: { type: 'string', description: 'yyyyMMddHHmmss, Vietnam time' },
              HieuLucDen: { type: 'string', description: 'yyyyMMddHHmmss, Vietnam time' },
              DanhSachTepDinhKem: { type: 'array', items: { type: 'object', required: ['TenTep', 'DuongDan'], properties: { TenTep: { type: 'string' }, DuongDan: { type: 'string' } } } }
            }
          }
        }
      }
    }
  },
  examples: [{
    errorCode: '0',
    message: 'Thành công',
    result: {
      DanhSachGiayToKetQua: [{
        MaKetQua: 'KQ.G15.000031', TenGiayTo: 'GIẤY PHÉP XÂY DỰNG', SoKyHieu: '1470/GPXD-UBND', CoQuanChuQuan: 'UBND THÀNH PHỐ PLEIKU', NgayCap: '20230505000000',
        DanhSachTepDinhKem: [{ TenTep: '000.00.21.H21-230505-0001.01.pdf', DuongDan: SAMPLE_LINK }]
      }]
    }
  }]
} as const

export const fileParamsSchema = {
  type: 'object',
  required: ['recordId', 'filename'],
  properties: { recordId: { type: 'string', pattern: '^r_[0-9a-hjkmnp-tv-z]{23}$' }, filename: { type: 'string', maxLength: 200 } }
} as const

export const fileQuerySchema = {
  type: 'object',
  properties: { exp: str(20, 'expiry, unix seconds'), sig: str(100, 'HMAC of the link'), file: str(20) }
} as const

export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: str(40, 'YYYY-MM-DD (Vietnam day) or ISO date-time'),
    to: str(40, 'YYYY-MM-DD (Vietnam day, inclusive) or ISO date-time'),
    subjectId: str(32, 'only lookups of this personal ID'),
    principal: str(100, 'only lookups by this token id or user name'),
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: str(40, 'the `next` of the previous page')
  }
} as const

const auditEntrySchema = {
  type: 'object',
  required: ['id', 'at', 'principal', 'system', 'endpoint', 'subjectId', 'purpose', 'query', 'results', 'outcome', 'remoteAddress'],
  properties: {
    id: { type: 'string' }, at: { type: 'string' },
    principal: { type: 'object', required: ['kind', 'id'], properties: { kind: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' } } },
    system: { type: 'string' }, endpoint: { type: 'string', enum: ['results', 'citizen-lookup', 'search'] },
    subjectId: { type: ['string', 'null'] }, purpose: { type: ['string', 'null'] },
    query: { type: 'object', additionalProperties: true },
    results: { type: 'integer' }, outcome: { type: 'string', enum: ['ok', 'refused'] }, error: { type: 'string' },
    remoteAddress: { type: ['string', 'null'] }
  }
} as const

export const auditResponseSchema = {
  type: 'object',
  required: ['entries'],
  properties: { entries: { type: 'array', items: auditEntrySchema }, next: { type: 'string' } },
  examples: [{
    entries: [
      {
        id: 'a_01jd2k8m6y0000000000000', at: '2026-11-28T08:00:00.000Z', principal: { kind: 'token', id: 't_01jd2k8m6x0000000000000', name: 'Một cửa điện tử tỉnh' },
        system: 'Một cửa điện tử tỉnh', endpoint: 'citizen-lookup', subjectId: SAMPLE_ID, purpose: 'Giải quyết hồ sơ cấp phép sửa chữa nhà ở',
        query: { criteria: [{ resultTypeCode: 'KQ.G15.000031' }], procedureCode: '1.009972' }, results: 1, outcome: 'ok', remoteAddress: '10.0.12.7'
      },
      {
        id: 'a_01jd2k8m6x0000000000000', at: '2026-11-28T07:59:40.000Z', principal: { kind: 'token', id: 't_01jd2k8m6x0000000000000', name: 'Một cửa điện tử tỉnh' },
        system: 'Một cửa điện tử tỉnh', endpoint: 'results', subjectId: SAMPLE_ID, purpose: null, query: {}, results: 0, outcome: 'refused', error: 'PURPOSE_REQUIRED', remoteAddress: '10.0.12.7'
      }
    ],
    next: 'a_01jd2k8m6x0000000000000'
  }]
} as const

/** Downloads per client address and minute: a portal fetching each result of a lookup or a sync fits easily. */
export const FILE_RATE_LIMIT = 120

const RESULTS_URL = '/api/v1/integration/results'
const NATIONAL_URL = '/api/v1/integration/citizen-lookup'
const ENDPOINTS: Record<string, LookupEndpoint> = { [RESULTS_URL]: 'results', [NATIONAL_URL]: 'citizen-lookup' }

interface ResultsQuery { subjectId?: string, documentNumber?: string, resultTypeCode?: string, purpose?: string }

/** RFC 6266 filename: an ASCII fallback plus the UTF-8 form. */
function attachment (name: string): string {
  const ascii = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

const text = (v: unknown): string | undefined => {
  const first = Array.isArray(v) ? v[0] : v
  const s = typeof first === 'string' ? first.trim() : typeof first === 'number' ? String(first) : ''
  return s === '' ? undefined : s
}

/** What a lookup asked, read defensively: a refused request may not have passed its schema. */
function describe (endpoint: LookupEndpoint, request: FastifyRequest): { subjectId: string | null, purpose: string | null, query: Record<string, unknown> } {
  if (endpoint === 'results') {
    const q = (request.query ?? {}) as Record<string, unknown>
    return { subjectId: text(q.subjectId) ?? null, purpose: text(q.purpose) ?? null, query: { documentNumber: text(q.documentNumber), resultTypeCode: text(q.resultTypeCode) } }
  }
  const b = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>
  const criteria = Array.isArray(b.DanhSachDanhMucKetQua)
    ? b.DanhSachDanhMucKetQua.slice(0, 50).map((c: any) => ({ resultTypeCode: text(c?.MaKetQua), documentNumber: text(c?.SoKyHieu) }))
    : undefined
  return {
    subjectId: text(b.SoDinhDanhChuSoHuu) ?? null,
    purpose: text(b.MucDich) ?? null,
    query: { criteria, requesterName: text(b.HoTenNguoiYeuCau), requesterId: text(b.SoDinhDanhNguoiYeuCau), channel: text(b.KenhThucHien), procedureCode: text(b.MaThuTuc) }
  }
}

function codeOf (error: FastifyError): string {
  if (isAppError(error)) return error.code
  if (error.validation) return 'VALIDATION'
  if (error.statusCode === 429) return 'RATE_LIMITED'
  return error.statusCode !== undefined && error.statusCode < 500 ? 'VALIDATION' : 'INTERNAL'
}

export default async function integrationRoutes (app: FastifyInstance, { services, local = false }: { services: Services, local?: boolean }): Promise<void> {
  const need = (): IntegrationServices => {
    if (!services.integration) throw new AppError('SERVICE_UNAVAILABLE')
    return services.integration
  }
  const audited = new WeakSet<FastifyRequest>()

  /** Audits an answered lookup; throws (and so answers nothing) when the trail cannot be written. */
  const auditAnswer = async (endpoint: LookupEndpoint, request: FastifyRequest, results: number): Promise<void> => {
    const entry = await need().audit.record({ principal: request.principal!, endpoint, ...describe(endpoint, request), results, outcome: 'ok', remoteAddress: request.ip ?? null })
    audited.add(request)
    request.log.info({ endpoint, results, auditId: entry.id }, 'result lookup answered')
  }

  app.addHook('onError', async (request, _reply, error) => {
    const endpoint = ENDPOINTS[request.routeOptions.url ?? '']
    if (!endpoint || audited.has(request) || !request.principal || !services.integration) return
    audited.add(request)
    const code = codeOf(error)
    try {
      const entry = await services.integration.audit.record({
        principal: request.principal, endpoint, ...describe(endpoint, request), results: 0, outcome: 'refused', error: code, remoteAddress: request.ip ?? null
      })
      request.log.info({ endpoint, error: code, auditId: entry.id }, 'result lookup refused')
    } catch (err) {
      request.log.error({ err, endpoint }, 'a refused lookup could not be audited')
    }
  })

  app.get<{ Querystring: ResultsQuery }>(RESULTS_URL, {
    config: { permission: 'integration' },
    schema: {
      summary: 'Valid archived results by personal ID and/or document number, with signed, expiring file links (audited; purpose required)',
      querystring: resultsQuerySchema,
      response: { 200: resultsResponseSchema }
    }
  }, async (request) => {
    const { lookup } = need()
    const q = request.query
    const subjectId = text(q.subjectId)
    const documentNumber = text(q.documentNumber)
    const resultTypeCode = text(q.resultTypeCode)
    if (subjectId === undefined && documentNumber === undefined) throw new AppError('VALIDATION', { problems: ['subjectId or documentNumber is required'] })
    if (text(q.purpose) === undefined) throw new AppError('PURPOSE_REQUIRED')
    const results = await lookup.find({ subjectId, documentNumber, resultTypeCode })
    await auditAnswer('results', request, results.length)
    return { results }
  })

  // The national form answers errors as `{errorCode, message, messageEn}`; the one error handler still maps them.
  await app.register(async (national) => {
    national.addHook('preSerialization', async (_request, reply, payload) => {
      if (reply.statusCode < 400 || payload === null || typeof payload !== 'object' || !('error' in payload)) return payload
      return toNationalError(payload as Record<string, unknown>)
    })
    national.post<{ Body: NationalLookupRequest }>(NATIONAL_URL, {
      config: { permission: 'integration' },
      schema: {
        summary: 'The national citizen data store\'s lookup (SoDinhDanhChuSoHuu → DanhSachGiayToKetQua); MucDich required; audited',
        body: nationalRequestSchema,
        response: { 200: nationalResponseSchema }
      }
    }, async (request) => {
      const { lookup } = need()
      const asked = fromNationalRequest(request.body)
      if (asked.purpose === null) throw new AppError('PURPOSE_REQUIRED')
      const results = await lookup.find(asked.query)
      await auditAnswer('citizen-lookup', request, results.length)
      return toNationalAnswer(results)
    })
  })

  if (!local) await app.register(rateLimit, { global: false })
  app.get<{ Params: { recordId: string, filename: string }, Querystring: { exp?: string, sig?: string, file?: string } }>(`${FILE_LINK_PATH}/:recordId/:filename`, {
    // No permission: the link's signature is the authority (a portal fetches it without a session or token).
    config: local ? {} : { rateLimit: { max: FILE_RATE_LIMIT, timeWindow: '1 minute' } },
    schema: {
      summary: 'The signed PDF a lookup linked to; 403 tampered, 410 expired, 404 no longer a valid archived result',
      params: fileParamsSchema,
      querystring: fileQuerySchema
    }
  }, async (request, reply) => {
    const { links, lookup } = need()
    const { recordId } = request.params
    links.check(recordId, request.query)
    const file = await lookup.servable(recordId)
    if (!file) throw new AppError('NOT_FOUND', { recordId })
    return await reply
      .type('application/pdf')
      .header('content-length', file.size)
      .header('etag', `"${file.sha256}"`)
      .header('content-disposition', attachment(file.filename))
      .header('cache-control', 'private, no-store')
      .send(services.files.stream(file.sha256))
  })

  app.get<{ Querystring: AuditFilter }>('/api/v1/integration/audit', {
    config: { permission: 'audit' },
    schema: {
      summary: 'The audit trail of result lookups, newest first: who looked up which personal ID, when and why',
      querystring: auditQuerySchema,
      response: { 200: auditResponseSchema }
    }
  }, async (request) => await need().audit.list(request.query))
}
