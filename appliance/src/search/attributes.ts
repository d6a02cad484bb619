/**
 * The attributes a record carries in the index, checked and completed once when it is indexed, so that filters
 * and facets at query time only compare strings. Known names (others pass through unchanged):
 *
 * - `unit`, `batchId`, `createdAt`: as given.
 * - `status` (draft | approved | archived) and `validity` (valid | expired | revoked | replaced): checked.
 * - `documentType`, `issuer`: as printed (from the attribute, else the field of that name).
 * - `issuedDate`: ISO `YYYY-MM-DD` (attribute, else field); anything else is refused.
 * - `documentNumber`: as printed (field, else attribute), for display; `documentNumberKey` is derived from it for
 *   exact lookups: case, white space, dash variants and Đ/D ignored.
 * - `subjectId`: the digits of the attribute, else the field (a personal ID number; never shown in results).
 */
import { AppError } from '../errors/index.js'
import { FIELD_NAMES, type FieldName } from '../extract/index.js'
import { RECORD_STATUSES, VALIDITY_STATES, type AttrValue, type DocAttrs } from '../store/index.js'
import { foldVietnamese } from './fold.js'

// The lists belong to the record (store/types.ts); the index checks attributes against them.
export { RECORD_STATUSES, VALIDITY_STATES }
export type { RecordStatus as RecordStatusValue, Validity as ValidityValue } from '../store/index.js'

/** The derived attribute exact document-number lookups compare. */
export const DOCUMENT_NUMBER_KEY = 'documentNumberKey'
/** The fields a search result shows, read from the attributes. */
export const SUMMARY_FIELDS = ['documentType', 'documentNumber', 'issuedDate', 'issuer'] as const
export type SummaryField = typeof SUMMARY_FIELDS[number]

export type SearchFields = Partial<Record<FieldName, string | null>>

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const KNOWN_FIELDS = new Set<string>(FIELD_NAMES)

/**
 * `1470/GPXD-UBND`, `1470 / gpxd – ubnd` and `1470/GPXD - UBND` give one key; so do `QĐ` and `QD`, which OCR and
 * keyboards mix up. Empty when nothing is left.
 */
export function documentNumberKey (value: string): string {
  return foldVietnamese(value).replace(/[\u2010-\u2015\u2212]/g, '-').replace(/\s+/g, '').toUpperCase()
}

/** A personal ID number as digits only (spaces and dots people type are dropped). */
export function digitsOnly (value: string): string {
  return value.replace(/\D+/g, '')
}

/** Document types and other printed labels compare without case, accents or extra spaces. */
export function labelKey (value: string): string {
  return foldVietnamese(value).replace(/\s+/g, ' ').trim()
}

/** Checks the fields of a document: known names, text values; returns those with text. */
export function checkFields (fields: unknown): Array<[FieldName, string]> {
  if (fields === undefined || fields === null) return []
  if (typeof fields !== 'object' || Array.isArray(fields)) throw new AppError('VALIDATION', { field: 'fields' })
  const out: Array<[FieldName, string]> = []
  for (const [name, value] of Object.entries(fields)) {
    if (!KNOWN_FIELDS.has(name)) throw new AppError('VALIDATION', { field: `fields.${name}`, reason: 'unknown-field' })
    if (value === undefined || value === null) continue
    if (typeof value !== 'string') throw new AppError('VALIDATION', { field: `fields.${name}` })
    if (value.trim() !== '') out.push([name as FieldName, value])
  }
  return out
}

/** The attributes as stored: checked, completed from the fields, with the lookup keys derived. */
export function indexAttrs (attrs: DocAttrs, fields: Array<[FieldName, string]>): DocAttrs {
  const field = new Map(fields)
  const out: DocAttrs = { ...attrs }
  const text = (name: string, fallback?: string): string | undefined => {
    const v = out[name]
    if (v === undefined || v === null) return fallback
    if (typeof v !== 'string') throw new AppError('VALIDATION', { field: `attrs.${name}` })
    return v
  }
  const oneOf = (name: string, allowed: readonly string[]): void => {
    const v = out[name]
    if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) throw new AppError('VALIDATION', { field: `attrs.${name}`, allowed })
  }
  oneOf('status', RECORD_STATUSES)
  oneOf('validity', VALIDITY_STATES)
  const set = (name: string, value: string | undefined): void => {
    const v = value?.normalize('NFC').replace(/\s+/g, ' ').trim()
    if (v) out[name] = v; else delete out[name]
  }
  set('documentType', text('documentType', field.get('documentType')))
  set('issuer', text('issuer', field.get('issuer')))
  const issued = text('issuedDate', field.get('issuedDate'))?.trim()
  if (issued !== undefined && issued !== '' && !ISO_DATE.test(issued)) throw new AppError('VALIDATION', { field: 'attrs.issuedDate', reason: 'not-iso-date' })
  set('issuedDate', issued)
  // The number as printed is what a reader wants to see; the field has it, the attribute may be normalised.
  const number = field.get('documentNumber') ?? text('documentNumber')
  set('documentNumber', number)
  const key = number === undefined ? '' : documentNumberKey(number)
  if (key !== '') out[DOCUMENT_NUMBER_KEY] = key; else delete out[DOCUMENT_NUMBER_KEY]
  // The IDs of every party the record names (a list), and the field's.
  const given = out.subjectId
  if (given !== undefined && given !== null && typeof given !== 'string' && !(Array.isArray(given) && given.every(v => typeof v === 'string'))) throw new AppError('VALIDATION', { field: 'attrs.subjectId' })
  const ids = [...(Array.isArray(given) ? given as string[] : typeof given === 'string' ? [given] : []), field.get('subjectId') ?? '']
    .map(digitsOnly).filter(d => d !== '')
  if (ids.length > 0) out.subjectId = [...new Set(ids)]; else delete out.subjectId
  return out
}

/** The summary fields present in a document's attributes. */
export function summaryOf (attrs: DocAttrs): Partial<Record<SummaryField, string>> {
  const out: Partial<Record<SummaryField, string>> = {}
  for (const name of SUMMARY_FIELDS) {
    const v: AttrValue | AttrValue[] | undefined = attrs[name]
    if (typeof v === 'string') out[name] = v
  }
  return out
}

/**
 * `YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the first (`from`) or last (`to`) day it covers, comparable with stored
 * ISO dates as strings; VALIDATION for anything else.
 */
export function issuedBound (value: string, side: 'from' | 'to', name: string): string {
  const m = /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$/.exec(value.trim())
  if (m === null) throw new AppError('VALIDATION', { field: name, reason: 'not-iso-date' })
  const [, year, month, day] = m
  // The 31st of any month sorts after its last real day, so it bounds short months too.
  return `${year}-${month ?? (side === 'from' ? '01' : '12')}-${day ?? (side === 'from' ? '01' : '31')}`
}
