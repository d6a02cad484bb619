/**
 * The national citizen data store's shapes (Kho quản lý dữ liệu điện tử, standards.md §6), mapped to and from our
 * lookup: the request `{SoDinhDanhChuSoHuu, …, DanhSachDanhMucKetQua, MucDich}` becomes a LookupQuery and a
 * purpose; our results become `DanhSachGiayToKetQua` with `DanhSachTepDinhKem`. National dates are
 * `yyyyMMddHHmmss` in Vietnam's time (UTC+7 all year, no daylight saving).
 */
import { AppError } from '../errors/index.js'
import type { LookupQuery, LookupResult } from './lookup.js'

export interface NationalLookupRequest {
  /** The owner's personal ID number (số định danh cá nhân). */
  SoDinhDanhChuSoHuu: string
  HoTenNguoiYeuCau?: string
  /** The channel the request came through (the one-stop desk, online…), a code or a name. */
  KenhThucHien?: string | number
  SoDinhDanhNguoiYeuCau?: string
  MaThuTuc?: string
  DanhSachDanhMucKetQua?: Array<{ MaKetQua?: string, SoKyHieu?: string }>
  /** Why the data is needed: required (a lookup by personal ID without one is refused). */
  MucDich?: string
}

export interface NationalAttachment {
  TenTep: string
  DuongDan: string
}

export interface NationalResult {
  MaKetQua: string
  TenGiayTo: string
  SoKyHieu: string
  CoQuanChuQuan: string
  /** `yyyyMMddHHmmss`; empty when the paper's date was not read. */
  NgayCap: string
  /** `yyyyMMddHHmmss`, the last second of the last valid day; absent for results valid without end. */
  HieuLucDen?: string
  DanhSachTepDinhKem: NationalAttachment[]
}

export interface NationalLookupAnswer {
  errorCode: '0'
  message: string
  result: { DanhSachGiayToKetQua: NationalResult[] }
}

export interface NationalErrorAnswer {
  errorCode: string
  message: string
  messageEn: string
  details?: Record<string, unknown>
}

/** Who asked on the citizen's behalf, kept in the audit trail. */
export interface NationalRequester {
  name?: string
  id?: string
  channel?: string
  procedureCode?: string
}

export interface NationalLookup {
  query: LookupQuery
  purpose: string | null
  requester: NationalRequester
}

const VIETNAM_OFFSET_MS = 7 * 3600_000
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/
const NATIONAL = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/**
 * `yyyyMMddHHmmss` in Vietnam's time. A calendar day (`YYYY-MM-DD`, as fields hold dates) is that day's first
 * second, or its last with `endOfDay`; an instant (a Date or an ISO date-time) is converted. VALIDATION otherwise.
 */
export function toNationalDate (value: Date | string, opts: { endOfDay?: boolean } = {}): string {
  if (typeof value === 'string') {
    const day = ISO_DAY.exec(value.trim())
    if (day) {
      if (Number.isNaN(Date.parse(`${day[1]}-${day[2]}-${day[3]}T00:00:00Z`))) throw new AppError('VALIDATION', { problems: ['not a date'] })
      return `${day[1]}${day[2]}${day[3]}${opts.endOfDay ? '235959' : '000000'}`
    }
  }
  const ms = typeof value === 'string' ? Date.parse(value) : value.getTime()
  if (Number.isNaN(ms)) throw new AppError('VALIDATION', { problems: ['not a date'] })
  const v = new Date(ms + VIETNAM_OFFSET_MS)
  return `${pad(v.getUTCFullYear(), 4)}${pad(v.getUTCMonth() + 1)}${pad(v.getUTCDate())}${pad(v.getUTCHours())}${pad(v.getUTCMinutes())}${pad(v.getUTCSeconds())}`
}

/** The instant a national `yyyyMMddHHmmss` (Vietnam's time) names; VALIDATION for anything else (31 February too). */
export function fromNationalDate (value: string): Date {
  const m = NATIONAL.exec(value.trim())
  if (!m) throw new AppError('VALIDATION', { problems: ['not yyyyMMddHHmmss'] })
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number)
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s) - VIETNAM_OFFSET_MS)
  if (toNationalDate(date) !== m[0]) throw new AppError('VALIDATION', { problems: ['not a real date and time'] })
  return date
}

/** The national request as our lookup; blanks count as absent. The personal ID is required (VALIDATION). */
export function fromNationalRequest (body: NationalLookupRequest): NationalLookup {
  const text = (v: unknown): string | undefined => {
    const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : ''
    return s === '' ? undefined : s
  }
  const subjectId = text(body.SoDinhDanhChuSoHuu)
  if (subjectId === undefined) throw new AppError('VALIDATION', { problems: ['SoDinhDanhChuSoHuu is required'] })
  const anyOf = (body.DanhSachDanhMucKetQua ?? [])
    .map(c => ({ resultTypeCode: text(c?.MaKetQua), documentNumber: text(c?.SoKyHieu) }))
    .filter(c => c.resultTypeCode !== undefined || c.documentNumber !== undefined)
    .map(c => ({ ...(c.resultTypeCode ? { resultTypeCode: c.resultTypeCode } : {}), ...(c.documentNumber ? { documentNumber: c.documentNumber } : {}) }))
  const requester: NationalRequester = {}
  const name = text(body.HoTenNguoiYeuCau)
  const id = text(body.SoDinhDanhNguoiYeuCau)
  const channel = text(body.KenhThucHien)
  const procedureCode = text(body.MaThuTuc)
  if (name) requester.name = name
  if (id) requester.id = id
  if (channel) requester.channel = channel
  if (procedureCode) requester.procedureCode = procedureCode
  return { query: { subjectId, ...(anyOf.length > 0 ? { anyOf } : {}) }, purpose: text(body.MucDich) ?? null, requester }
}

/** One of our results in the national shape; `CoQuanChuQuan` is the issuing agency as printed, else its code. */
export function toNationalResult (r: LookupResult): NationalResult {
  const date = (v: string | null, endOfDay = false): string | undefined => {
    if (!v) return undefined
    try { return toNationalDate(v, { endOfDay }) } catch { return undefined }
  }
  const validUntil = date(r.validUntil, true)
  return {
    MaKetQua: r.resultTypeCode ?? '',
    TenGiayTo: r.documentType ?? '',
    SoKyHieu: r.documentNumber ?? '',
    CoQuanChuQuan: r.issuer ?? r.agencyCode ?? '',
    NgayCap: date(r.issuedDate) ?? '',
    ...(validUntil ? { HieuLucDen: validUntil } : {}),
    DanhSachTepDinhKem: r.files.map(f => ({ TenTep: f.name, DuongDan: f.url }))
  }
}

export function toNationalAnswer (results: LookupResult[]): NationalLookupAnswer {
  return { errorCode: '0', message: 'Thành công', result: { DanhSachGiayToKetQua: results.map(toNationalResult) } }
}

/** Our error answer `{error, message, messageEn, details?}` as the national form's `{errorCode, message, messageEn}`. */
export function toNationalError (e: { error?: unknown, message?: unknown, messageEn?: unknown, details?: unknown }): NationalErrorAnswer {
  return {
    errorCode: typeof e.error === 'string' ? e.error : 'INTERNAL',
    message: typeof e.message === 'string' ? e.message : '',
    messageEn: typeof e.messageEn === 'string' ? e.messageEn : '',
    ...(e.details && typeof e.details === 'object' ? { details: e.details as Record<string, unknown> } : {})
  }
}
