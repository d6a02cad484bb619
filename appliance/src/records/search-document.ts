/** What the search index holds for a record: its OCR text, its fields, and the attributes it can be filtered on. */
import type { DocAttrs } from '../search/index.js'
import type { RecordEntry } from '../store/index.js'

export interface RecordSearchDocument {
  text: string
  attrs: DocAttrs
  fields: Record<string, string>
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
  // As printed: the index derives its one lookup key from it (search's documentNumberKey).
  if (documentNumber) attrs.documentNumber = documentNumber
  // Every party's ID finds the record (either spouse of a marriage), the main subject's first.
  const ids = [...new Set([subjectId, ...(record.parties?.value ?? []).map(p => p.idNumber ?? null)].filter((v): v is string => !!v))]
  if (ids.length) attrs.subjectId = ids
  if (value('issuer')) attrs.issuer = value('issuer')!
  const fields: Record<string, string> = {}
  for (const [name, f] of Object.entries(record.fields ?? {})) if (f.value) fields[name] = f.value
  return { text, attrs, fields }
}
