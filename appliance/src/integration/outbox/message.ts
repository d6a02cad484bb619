/**
 * The message a target receives: the national dossier sync envelope (standards.md §6, `DongBoHoSoMC`) with the
 * result in `DanhSachGiayToKetQua`. It is built from the log entry (what changed, and when) and the record (what it
 * is: an archived record's content never changes), so every attempt at one entry sends the same content; only the
 * signed link's expiry moves on.
 */
import { archiveIdOf } from '../../records/index.js'
import type { LogEntryBody } from '../../archive/index.js'
import type { RecordEntry } from '../../store/index.js'
import { toNationalDate } from '../national-lookup.js'
import type { SignedLink } from '../signed-url.js'

/** The log entry types a target is told about; any other type is passed over. */
export const DELIVERED_TYPES: ReadonlySet<string> = new Set(['record.archived', 'record.validity', 'record.deleted'])

export const SERVICE = 'DongBoHoSoMC'

/** One result document, in the portal's names; the fields after `MaGiayToKetQua` are sohoa's own additions. */
export interface ResultDocument {
  TenGiayTo: string
  MaThanhPhanHoSo: string
  /** The archive id (`SH-<unit>-…`): stable, also in the QR code of the signed copy. */
  GiayToId: string
  /** A signed download link of the "SAO Y" PDF; empty when the result is no longer valid or was deleted. */
  DuongDanTepTinKetQua: string
  MaGiayToKetQua: string
  SoKyHieu: string
  /** Issue date, `yyyyMMddHHmmss` (its first second). */
  NgayCap: string
  CoQuanBanHanh: string
  /** The last second of its last valid day, `yyyyMMddHHmmss`; empty when the result has no end date. */
  HieuLucDen: string
  /** `valid` | `expired` | `revoked` | `replaced` | `deleted`, as of this message. */
  TrangThaiHieuLuc: string
  /** Why the validity changed or the record was deleted (updates only). */
  LyDoThayDoi?: string
  /** The archive id of the result that replaces this one. */
  MaGiayToThayThe?: string
  TenTepTin: string
  /** SHA-256 of the PDF: the receiver can check what it downloaded. */
  Sha256TepTin: string
  /** When `DuongDanTepTinKetQua` stops working, `yyyyMMddHHmmss`. */
  HanDuongDan: string
  SoDinhDanhChuSoHuu: string
  TenChuSoHuu: string
  /** Everyone the result names (both spouses, a shop and its owner): role, name, ID, birth date (yyyyMMdd000000). */
  DanhSachChuThe: Array<{ VaiTro: string, HoTen: string, SoDinhDanh: string, NgaySinh: string }>
}

export interface Dossier {
  MaHoSo: string
  MaTTHC: string
  /** The agency code of the issuing unit (QĐ 20/2020), when known. */
  MaCoQuan: string
  /** The statistics code of the unit the record belongs to. */
  MaDonVi: string
  DanhSachGiayToKetQua: ResultDocument[]
  /** When the change happened (the log entry's time), `yyyyMMddHHmmss`. */
  NgayCapNhat: string
}

export interface NationalSyncMessage {
  service: typeof SERVICE
  isUpdating: 'False' | 'True'
  data: Dossier[]
}

export interface MessageInput {
  entry: LogEntryBody
  /** The record as stored now; absent only when the log names a record this node no longer has. */
  record?: RecordEntry
  /** The record named as replacement, for its archive id. */
  replacement?: Pick<RecordEntry, 'id' | 'unit'>
  link: (recordId: string, filename: string) => SignedLink
}

/** `yyyyMMddHHmmss` in Vietnam's time, as the lookup answers it too; empty for a missing or unreadable value. */
function national (value: string | Date | null | undefined, endOfDay = false): string {
  if (!value) return ''
  try {
    return toNationalDate(value, { endOfDay })
  } catch {
    return ''
  }
}

const str = (v: unknown): string => typeof v === 'string' ? v : ''
const obj = (v: unknown): Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {}

/** What the record is, from the stored record, else from what its `record.archived` entry said. */
type Parties = Array<{ role: string, name: string, idNumber?: string, birthDate?: string }>

function partiesOf (v: unknown): Parties {
  if (!Array.isArray(v)) return []
  return v.map(obj).filter(p => str(p.name) !== '').map(p => ({ role: str(p.role), name: str(p.name), ...(str(p.idNumber) ? { idNumber: str(p.idNumber) } : {}), ...(str(p.birthDate) ? { birthDate: str(p.birthDate) } : {}) }))
}

function describe (input: MessageInput): { fields: Record<string, string>, parties: Parties, codes: Record<string, unknown>, pdf: { sha256: string, filename: string } | null, archiveId: string, unit: string } {
  const { entry, record } = input
  const logged = obj(obj(entry.data).record)
  const unit = record?.unit ?? entry.unit ?? str(logged.unit)
  const recordId = entry.recordId ?? str(logged.id)
  const fields: Record<string, string> = {}
  if (record?.fields) for (const [k, f] of Object.entries(record.fields)) fields[k] = f.value ?? ''
  else for (const [k, v] of Object.entries(obj(logged.fields))) fields[k] = str(v)
  const codes = record?.codes ? { ...record.codes } : obj(logged.codes)
  const loggedPdf = obj(logged.pdf)
  const pdf = record?.pdf ?? (typeof loggedPdf.sha256 === 'string' ? { sha256: loggedPdf.sha256, filename: str(loggedPdf.filename) } : null)
  const parties = partiesOf(record ? record.parties?.value : logged.parties)
  return { fields, parties, codes, pdf: pdf ? { sha256: pdf.sha256, filename: pdf.filename } : null, archiveId: archiveIdOf({ id: recordId, unit }), unit }
}

/** The state and reason a message carries: the archiving's, the entry's new validity, or the deletion. */
function stateOf (entry: LogEntryBody): { state: string, reason?: string } {
  const data = obj(entry.data)
  if (entry.type === 'record.deleted') return { state: 'deleted', ...(str(data.reason) ? { reason: str(data.reason) } : {}) }
  if (entry.type === 'record.validity') {
    const validity = obj(data.validity)
    return { state: str(validity.state) || 'valid', ...(str(validity.reason) ? { reason: str(validity.reason) } : {}) }
  }
  return { state: str(obj(obj(data.record).validity).state) || 'valid' }
}

export function buildMessage (input: MessageInput): NationalSyncMessage {
  const { entry } = input
  if (!DELIVERED_TYPES.has(entry.type) || !entry.recordId) throw new Error(`a ${entry.type} entry is not delivered`)
  const { fields, parties, codes, pdf, archiveId, unit } = describe(input)
  const { state, reason } = stateOf(entry)
  const updating = entry.type !== 'record.archived'
  // A link is handed out only while the file is served: the file route refuses records no longer valid.
  const link = pdf && state === 'valid' ? input.link(entry.recordId, pdf.filename) : null
  const document: ResultDocument = {
    TenGiayTo: fields.documentType || 'Kết quả giải quyết thủ tục hành chính',
    MaThanhPhanHoSo: pdf?.filename.replace(/\.pdf$/i, '') || archiveId,
    GiayToId: archiveId,
    DuongDanTepTinKetQua: link?.url ?? '',
    MaGiayToKetQua: str(codes.resultTypeCode),
    SoKyHieu: fields.documentNumber ?? '',
    NgayCap: national(fields.issuedDate),
    CoQuanBanHanh: fields.issuer ?? '',
    HieuLucDen: national(fields.validUntil, true),
    TrangThaiHieuLuc: state,
    ...(updating && reason ? { LyDoThayDoi: reason } : {}),
    ...(input.replacement ? { MaGiayToThayThe: archiveIdOf(input.replacement) } : {}),
    TenTepTin: pdf?.filename ?? '',
    Sha256TepTin: pdf?.sha256 ?? '',
    HanDuongDan: link ? national(link.expiresAt) : '',
    SoDinhDanhChuSoHuu: fields.subjectId ?? '',
    TenChuSoHuu: fields.subjectName ?? '',
    DanhSachChuThe: parties.map(p => ({ VaiTro: p.role, HoTen: p.name, SoDinhDanh: p.idNumber ?? '', NgaySinh: national(p.birthDate) }))
  }
  return {
    service: SERVICE,
    isUpdating: updating ? 'True' : 'False',
    data: [{
      MaHoSo: str(codes.dossierCode) || archiveId,
      MaTTHC: str(codes.procedureCode),
      MaCoQuan: str(codes.agencyCode),
      MaDonVi: unit,
      DanhSachGiayToKetQua: [document],
      NgayCapNhat: national(entry.at)
    }]
  }
}

/** The record a `replace` names, when the entry carries one. */
export function replacementOf (entry: LogEntryBody): string | undefined {
  const replacedBy = obj(obj(entry.data).validity).replacedBy
  return typeof replacedBy === 'string' && replacedBy !== '' ? replacedBy : undefined
}
