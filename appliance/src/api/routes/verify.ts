/**
 * Public verification of a signed copy: the QR code beside the "SAO Y" block opens `/verify/<archiveId>`. Anyone may
 * ask, so it answers only what the paper itself shows publicly (issuer, type, number, date, validity, the PDF's
 * SHA-256) and never personal data (names, ID numbers, the summary). Rate-limited per client address.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import { recordIdOfArchiveId } from '../../records/index.js'
import { escapeHtml } from '../../search/index.js'
import type { Services } from '../types.js'

export interface VerificationView {
  archiveId: string
  exists: boolean
  status?: string
  unit?: string
  unitName?: string
  issuer?: string | null
  documentType?: string | null
  documentNumber?: string | null
  issuedDate?: string | null
  validity?: { state: string, validUntil: string | null, since?: string }
  archivedAt?: string
  pdfSha256?: string
}

export async function verification (services: Services, archiveId: string): Promise<VerificationView> {
  const parsed = recordIdOfArchiveId(archiveId)
  const record = parsed ? await services.records.stored(parsed.recordId) : undefined
  if (!parsed || !record || record.unit !== parsed.unit || record.status !== 'archived' || !record.pdf) return { archiveId, exists: false }
  if (record.deleted) return { archiveId, exists: false, status: 'deleted' }
  const field = (n: string): string | null => record.fields?.[n]?.value ?? null
  const unitName = await services.units.get(record.unit).then(u => u.name, () => undefined)
  return {
    archiveId,
    exists: true,
    status: record.status,
    unit: record.unit,
    ...(unitName ? { unitName } : {}),
    issuer: field('issuer'),
    documentType: field('documentType'),
    documentNumber: field('documentNumber'),
    issuedDate: field('issuedDate'),
    validity: { state: record.validity?.state ?? 'valid', validUntil: field('validUntil'), ...(record.validity?.at ? { since: record.validity.at } : {}) },
    archivedAt: record.archivedAt,
    pdfSha256: record.pdf.sha256
  }
}

const VALIDITY_VI: Record<string, string> = { valid: 'Còn hiệu lực', expired: 'Hết hiệu lực', revoked: 'Đã thu hồi', replaced: 'Đã được thay thế' }

function page (v: VerificationView): string {
  const row = (label: string, value: string | null | undefined): string =>
    `<tr><th>${label}</th><td>${value ? escapeHtml(value) : '—'}</td></tr>`
  const body = v.exists
    ? `<p class="ok">Bản sao điện tử này có trong kho lưu trữ. <span lang="en">This electronic copy is in the archive.</span></p>
<table>${row('Mã lưu trữ / Archive ID', v.archiveId)}${row('Cơ quan ban hành / Issuer', v.issuer)}${row('Loại văn bản / Type', v.documentType)}
${row('Số, ký hiệu / Number', v.documentNumber)}${row('Ngày ban hành / Issued', v.issuedDate)}
${row('Hiệu lực / Validity', `${VALIDITY_VI[v.validity!.state] ?? v.validity!.state} (${v.validity!.state})`)}${row('Hiệu lực đến / Valid until', v.validity!.validUntil)}
${row('Đơn vị số hóa / Digitized by', v.unitName ?? v.unit)}${row('Lưu trữ lúc / Archived', v.archivedAt)}
${row('SHA-256 của tệp PDF / PDF SHA-256', v.pdfSha256)}</table>
<p>So sánh SHA-256 của tệp bạn có với giá trị trên. <span lang="en">Compare the SHA-256 of your file with the value above.</span></p>`
    : `<p class="bad">Không tìm thấy bản sao điện tử với mã này. <span lang="en">No electronic copy has this ID.</span></p>`
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Xác minh bản sao điện tử</title><style>body{font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
th{text-align:left;padding:.3rem 1rem .3rem 0;vertical-align:top;font-weight:600}td{word-break:break-all}.ok{color:#14632d}.bad{color:#a11}</style></head>
<body><h1>Xác minh bản sao điện tử <small lang="en">(verification)</small></h1>${body}</body></html>`
}

export default async function verifyRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  await app.register(rateLimit, { global: false })
  app.get<{ Params: { archiveId: string } }>('/verify/:archiveId', {
    config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
    schema: { params: { type: 'object', required: ['archiveId'], properties: { archiveId: { type: 'string', maxLength: 100 } } } }
  }, async (request, reply) => {
    const view = await verification(services, request.params.archiveId)
    const wantsJson = (request.headers.accept ?? '').includes('application/json')
    void reply.header('cache-control', 'no-store')
    if (wantsJson) {
      if (!view.exists) throw new AppError('NOT_FOUND', { archiveId: view.archiveId })
      return view
    }
    return await reply.code(view.exists ? 200 : 404).type('text/html; charset=utf-8').send(page(view))
  })
}
