/** Attribute filters, compiled once per query and run against the in-memory document table. */
import { AppError } from '../errors/index.js'
import type { AttrValue, DocAttrs } from '../store/search-index.js'
import {
  DOCUMENT_NUMBER_KEY, RECORD_STATUSES, VALIDITY_STATES, digitsOnly, documentNumberKey, issuedBound, labelKey
} from './attributes.js'
import type { AttrFilter, SearchOptions } from './types.js'

export type DocFilter = (attrs: DocAttrs) => boolean

function isAttrValue (v: unknown): v is AttrValue {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
}

/** Rejects attribute values that could not be filtered on (objects, undefined, NaN) before they are persisted. */
export function checkAttrs (attrs: unknown): DocAttrs {
  if (attrs === undefined) return {}
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) throw new AppError('VALIDATION', { field: 'attrs' })
  for (const [name, value] of Object.entries(attrs)) {
    const values = Array.isArray(value) ? value : [value]
    if (!values.every(v => isAttrValue(v) && !(typeof v === 'number' && !Number.isFinite(v)))) {
      throw new AppError('VALIDATION', { field: `attrs.${name}` })
    }
  }
  return attrs as DocAttrs
}

const valuesOf = (attrs: DocAttrs, name: string): AttrValue[] => {
  const v = attrs[name]
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

function compileOne (name: string, filter: AttrFilter): DocFilter {
  if (Array.isArray(filter)) {
    const allowed = new Set<AttrValue>(filter)
    return attrs => valuesOf(attrs, name).some(v => allowed.has(v))
  }
  const { gte, lte } = filter
  const inRange = (v: AttrValue): boolean =>
    (gte === undefined || (typeof v === typeof gte && (v as string | number) >= gte)) &&
    (lte === undefined || (typeof v === typeof lte && (v as string | number) <= lte))
  return attrs => valuesOf(attrs, name).some(inRange)
}

/**
 * Folded document types, by stored value: there are few distinct types, and a filter compares every candidate's.
 * Cleared when it grows past any sensible number of types (free text in the attribute).
 */
const typeKeys = new Map<string, string>()

function typeKeyOf (value: string): string {
  let key = typeKeys.get(value)
  if (key === undefined) {
    if (typeKeys.size >= 10_000) typeKeys.clear()
    key = labelKey(value)
    typeKeys.set(value, key)
  }
  return key
}

function listOf<T extends string> (values: unknown, allowed: readonly T[], name: string): T[] {
  if (!Array.isArray(values) || !values.every(v => typeof v === 'string' && (allowed as readonly string[]).includes(v))) {
    throw new AppError('VALIDATION', { field: name, allowed })
  }
  return values as T[]
}

/** undefined when nothing is filtered. Options out of their domain are a VALIDATION error. */
export function compileFilter (options: Omit<SearchOptions, 'limit' | 'offset' | 'facets'>): DocFilter | undefined {
  const parts: DocFilter[] = []
  if (options.units !== undefined) parts.push(compileOne('unit', options.units))
  if (options.documentTypes !== undefined) {
    if (!Array.isArray(options.documentTypes) || !options.documentTypes.every(v => typeof v === 'string')) throw new AppError('VALIDATION', { field: 'documentTypes' })
    const wanted = new Set(options.documentTypes.map(labelKey))
    parts.push(attrs => valuesOf(attrs, 'documentType').some(v => typeof v === 'string' && wanted.has(typeKeyOf(v))))
  }
  if (options.issuedFrom !== undefined || options.issuedTo !== undefined) {
    const range = {
      ...(options.issuedFrom !== undefined ? { gte: issuedBound(options.issuedFrom, 'from', 'issuedFrom') } : {}),
      ...(options.issuedTo !== undefined ? { lte: issuedBound(options.issuedTo, 'to', 'issuedTo') } : {})
    }
    parts.push(compileOne('issuedDate', range))
  }
  if (options.statuses !== undefined) parts.push(compileOne('status', listOf(options.statuses, RECORD_STATUSES, 'statuses')))
  if (options.validity !== undefined) parts.push(compileOne('validity', listOf(options.validity, VALIDITY_STATES, 'validity')))
  if (options.documentNumber !== undefined) {
    // A number that normalises to nothing matches nothing (never "any number").
    const key = typeof options.documentNumber === 'string' ? documentNumberKey(options.documentNumber) : ''
    parts.push(attrs => key !== '' && attrs[DOCUMENT_NUMBER_KEY] === key)
  }
  if (options.subjectId !== undefined) {
    const digits = typeof options.subjectId === 'string' ? digitsOnly(options.subjectId) : ''
    parts.push(attrs => digits !== '' && (Array.isArray(attrs.subjectId) ? attrs.subjectId.includes(digits) : attrs.subjectId === digits))
  }
  for (const [name, filter] of Object.entries(options.filters ?? {})) parts.push(compileOne(name, filter))
  if (parts.length === 0) return undefined
  if (parts.length === 1) return parts[0]
  return attrs => parts.every(p => p(attrs))
}
