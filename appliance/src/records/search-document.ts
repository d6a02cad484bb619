/** What the search index holds for a record: its OCR text, its fields, and the attributes it can be filtered on. */
import type { DocAttrs } from '../search/index.js'
import type { RecordEntry } from '../store/index.js'

export interface RecordSearchDocument {
  text: string
  attrs: DocAttrs
  fields: Record<string, string>
}

/** `1470/GPXD-UBND`, `1470 / gpxd - ubnd` and `1470/GPXD–UBND` are one number. */
export function normaliseDocumentNumber (value: string): string {
  return value.normalize('NFC').toUpperCase().replace(/[\u2010-\u2015]/g, '-').replace(/\s+/g, '')
}

export function searchDocumentOf (record: RecordEntry, text: string): RecordSearchDocument {
  const value = (name: string): string | null => record.fields?.[name]?.value ?? null
  const attrs: DocAttrs = {
    unit: record.unit,
    batchId: record.batchId,
    status: record.status,
    validity: record.validity?.state ?? 'valid',
    createdAt: record.createdAt
  }
  const documentType = value('documentType')
  const issuedDate = value('issuedDate')
  const documentNumber = value('documentNumber')
  const subjectId = value('subjectId')
  if (documentType) attrs.documentType = documentType
  if (issuedDate) attrs.issuedDate = issuedDate
  if (documentNumber) attrs.documentNumber = normaliseDocumentNumber(documentNumber)
  // Every party's ID finds the record (either spouse of a marriage), the main subject's first.
  const ids = [...new Set([subjectId, ...(record.parties?.value ?? []).map(p => p.idNumber ?? null)].filter((v): v is string => !!v))]
  if (ids.length) attrs.subjectId = ids
  if (value('issuer')) attrs.issuer = value('issuer')!
  const fields: Record<string, string> = {}
  for (const [name, f] of Object.entries(record.fields ?? {})) if (f.value) fields[name] = f.value
  return { text, attrs, fields }
}
