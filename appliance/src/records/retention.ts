/**
 * How long a record must be kept (thời hạn bảo quản) and how long it stays valid, from a table per result type:
 * matched by result-type code, then by document type (accent- and case-insensitive), else the table's default.
 * The table is data (`appliance/data/result-types.json`); the province sends its own down to districts.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SHIPPED_DATA } from '../paths.js'
import { foldVietnamese } from '../search/index.js'
import { RETENTIONS, type RecordEntry, type Retention, type ResultType, type ResultTypeTable } from '../store/index.js'

/** A district keeps the province's table in the store, so the shapes live there. */
export type { ResultType, ResultTypeTable }

export function loadResultTypes (file = join(SHIPPED_DATA, 'result-types.json')): ResultTypeTable {
  const table = JSON.parse(readFileSync(file, 'utf8')) as ResultTypeTable
  for (const r of [table.default, ...table.resultTypes.map(t => t.retention)]) {
    if (!RETENTIONS.includes(r)) throw new Error(`${file}: unknown retention ${String(r)}`)
  }
  return table
}

const fold = (s: string): string => foldVietnamese(s).toLowerCase().replace(/\s+/g, ' ').trim()

export function resultTypeOf (table: ResultTypeTable, record: RecordEntry): ResultType | null {
  const code = record.codes?.resultTypeCode
  if (code) {
    const byCode = table.resultTypes.find(t => t.code === code)
    if (byCode) return byCode
  }
  const type = record.fields?.documentType?.value
  if (!type) return null
  const folded = fold(type)
  // The longest matching name wins: "GIẤY PHÉP XÂY DỰNG" before "GIẤY PHÉP".
  const matches = table.resultTypes.filter(t => t.documentType && folded.startsWith(fold(t.documentType)))
  return matches.sort((a, b) => b.documentType!.length - a.documentType!.length)[0] ?? null
}

export function retentionOf (table: ResultTypeTable, record: RecordEntry): Retention {
  return resultTypeOf(table, record)?.retention ?? table.default
}

/** The day retention ends (ISO date), counted from the issue date (else the archiving date); null: permanent. */
export function retentionEnds (record: RecordEntry): string | null {
  const retention = record.retention ?? 'permanent'
  if (retention === 'permanent') return null
  const years = Number(retention.replace('y', ''))
  const from = record.fields?.issuedDate?.value ?? record.archivedAt?.slice(0, 10) ?? record.createdAt.slice(0, 10)
  const d = new Date(`${from}T00:00:00Z`)
  d.setUTCFullYear(d.getUTCFullYear() + years)
  return d.toISOString().slice(0, 10)
}

/** The record's validUntil field, else its issue date plus the result type's validity months; null: no limit. */
export function validUntilOf (table: ResultTypeTable, record: RecordEntry): string | null {
  const explicit = record.fields?.validUntil?.value
  if (explicit) return explicit
  const months = resultTypeOf(table, record)?.validityMonths
  const issued = record.fields?.issuedDate?.value
  if (!months || !issued) return null
  const d = new Date(`${issued}T00:00:00Z`)
  d.setUTCMonth(d.getUTCMonth() + months)
  return d.toISOString().slice(0, 10)
}
