/** Attribute filters, compiled once per query and run against the in-memory document table. */
import { AppError } from '../errors/index.js'
import type { AttrValue, DocAttrs } from '../store/search-index.js'
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

function compileOne (name: string, filter: AttrFilter): DocFilter {
  const valuesOf = (attrs: DocAttrs): AttrValue[] => {
    const v = attrs[name]
    return v === undefined ? [] : Array.isArray(v) ? v : [v]
  }
  if (Array.isArray(filter)) {
    const allowed = new Set<AttrValue>(filter)
    return attrs => valuesOf(attrs).some(v => allowed.has(v))
  }
  const { gte, lte } = filter
  const inRange = (v: AttrValue): boolean =>
    (gte === undefined || (typeof v === typeof gte && (v as string | number) >= gte)) &&
    (lte === undefined || (typeof v === typeof lte && (v as string | number) <= lte))
  return attrs => valuesOf(attrs).some(inRange)
}

/** undefined when nothing is filtered. */
export function compileFilter (options: Pick<SearchOptions, 'units' | 'filters'>): DocFilter | undefined {
  const parts: DocFilter[] = []
  if (options.units !== undefined) parts.push(compileOne('unit', options.units))
  for (const [name, filter] of Object.entries(options.filters ?? {})) parts.push(compileOne(name, filter))
  if (parts.length === 0) return undefined
  if (parts.length === 1) return parts[0]
  return attrs => parts.every(p => p(attrs))
}
