/** Attribute filters, compiled once per query and run against the in-memory document table. */
import { AppError } from '../errors/index.js'
import { COLUMNS, type AttrValue, type ColumnName, type DocAttrs, type DocTable } from '../store/index.js'
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

export interface CompiledFilter {
  /** True when the options can match nothing (an empty list). */
  none: boolean
  /** On the in-memory columns, by ordinal. */
  test: (ord: number) => boolean
  /** Filters on attributes outside the columns: run on the stored attributes of each match. */
  slow?: DocFilter
}

/**
 * Compiles the options against the document table's columns: each column filter becomes a mask over that
 * column's dictionary (few distinct values), so a match costs one array read per filter. Exact number and ID
 * lookups are not here: they are index keys (engine.ts). Options out of their domain are a VALIDATION error.
 */
export function compileFilter (options: Omit<SearchOptions, 'limit' | 'offset' | 'facets'>, table: DocTable): CompiledFilter {
  const masks: Array<{ codes: Uint32Array, mask: Uint8Array }> = []
  const slow: DocFilter[] = []
  let none = false
  const onColumn = (name: ColumnName, accept: (v: AttrValue) => boolean): void => {
    const { column, codes } = table.column(name)
    const mask = new Uint8Array(column.values.length)
    column.values.forEach((v, code) => {
      if (v === undefined) return
      if ((Array.isArray(v) ? v : [v]).some(accept)) mask[code] = 1
    })
    masks.push({ codes, mask })
  }
  const set = (values: AttrValue[]): (v: AttrValue) => boolean => { const s = new Set<AttrValue>(values); if (s.size === 0) none = true; return v => s.has(v) }
  if (options.units !== undefined) onColumn('unit', set(options.units))
  if (options.replicas !== undefined) onColumn('replica', set(options.replicas))
  if (options.documentTypes !== undefined) {
    if (!Array.isArray(options.documentTypes) || !options.documentTypes.every(v => typeof v === 'string')) throw new AppError('VALIDATION', { field: 'documentTypes' })
    const wanted = new Set(options.documentTypes.map(labelKey))
    if (wanted.size === 0) none = true
    onColumn('documentType', v => typeof v === 'string' && wanted.has(typeKeyOf(v)))
  }
  if (options.issuedFrom !== undefined || options.issuedTo !== undefined) {
    const gte = options.issuedFrom !== undefined ? issuedBound(options.issuedFrom, 'from', 'issuedFrom') : undefined
    const lte = options.issuedTo !== undefined ? issuedBound(options.issuedTo, 'to', 'issuedTo') : undefined
    onColumn('issuedDate', v => typeof v === 'string' && (gte === undefined || v >= gte) && (lte === undefined || v <= lte))
  }
  if (options.statuses !== undefined) onColumn('status', set(listOf(options.statuses, RECORD_STATUSES, 'statuses')))
  if (options.validity !== undefined) onColumn('validity', set(listOf(options.validity, VALIDITY_STATES, 'validity')))
  for (const [name, filter] of Object.entries(options.filters ?? {})) {
    if (Array.isArray(filter) && filter.length === 0) none = true
    const one = compileOne(name, filter)
    if ((COLUMNS as readonly string[]).includes(name)) onColumn(name as ColumnName, v => one({ [name]: v }))
    else slow.push(one)
  }
  const test = masks.length === 0
    ? () => true
    : masks.length === 1
      ? (ord: number) => masks[0].mask[masks[0].codes[ord]] === 1
      : (ord: number) => masks.every(m => m.mask[m.codes[ord]] === 1)
  return { none, test, ...(slow.length > 0 ? { slow: (attrs: DocAttrs) => slow.every(f => f(attrs)) } : {}) }
}

