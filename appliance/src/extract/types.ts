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
  /** The OCR's own reading, kept beside a value that was snapped to a known list. */
  raw?: string
  /** The value was snapped to an entry of a known list, this many characters (accented) away from the reading. */
  snapped?: { list: KnownListName, distance: number }
}

export type KnownListName = 'issuers' | 'documentTypes' | 'positions'

/**
 * What the node knows, passed in by the caller (extraction imports no other module): the issuing bodies' names
 * as printed (`ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ`, former names of renamed or merged units included), the result
 * types' names, and signers' positions (a built-in list when not given).
 */
export interface KnownLists {
  issuers?: string[]
  documentTypes?: string[]
  positions?: string[]
}

/** A person or body the result names: the holder, both spouses, an establishment and its owner, a household. */
export interface Party {
  /** `child`, `deceased`, `husband`, `wife`, `holder`, `owner`, `establishment`, `household`, `representative`, `enterprise`, `beneficiary`, `mother`, `father` */
  role: string
  name: string
  /** Digits only: a personal ID, or an enterprise code. */
  idNumber?: string
  /** ISO date, when printed. */
  birthDate?: string
}

export interface PartiesField {
  value: Party[]
  confidence: number
  boxes: FieldBox[]
}

/** Fields at or above this confidence are taken as read; below it they go to review. */
export const CONFIDENT = 0.8

export type ExtractedFields = Record<FieldName, ExtractedField> & { parties: PartiesField }
