/**
 * The key fields of an administrative document (NĐ 30/2020 Điều 8), as read from its OCR words for the reviewer.
 * This shape is shared by extraction, records (review, versions), search attributes and the web admin.
 */

export const FIELD_NAMES = [
  'documentType', 'documentNumber', 'issuedDate', 'issuer', 'summary',
  'signer', 'signerTitle', 'subjectName', 'subjectId', 'validUntil'
] as const

export type FieldName = typeof FIELD_NAMES[number]

/** Where on a page a field was read: the union box of its words, in the pixels of the OCR'd image. */
export interface FieldBox {
  /** Index of the page in its record, from 0. */
  page: number
  x0: number
  y0: number
  x1: number
  y1: number
}

export interface ExtractedField {
  /**
   * Normalised value, or null when not found. Dates are ISO `YYYY-MM-DD`; `documentType` and `issuer` as printed
   * (upper case, NFC); `subjectId` digits only; every string NFC with single spaces.
   */
  value: string | null
  /** 0..1: how sure extraction is (OCR confidence of the words and how well the structure matched). */
  confidence: number
  boxes: FieldBox[]
  /** Non-blocking doubts, as codes (e.g. `SUBJECT_ID_STRUCTURE`), shown to the reviewer; never a rejection. */
  warnings?: string[]
}

export type ExtractedFields = Record<FieldName, ExtractedField>
