/**
 * Canonical JSON: the one string a value signs as. Object keys sorted recursively (by UTF-16 code units, the order
 * of `Array.prototype.sort`), no whitespace, undefined properties left out. Strings and numbers are written by
 * `JSON.stringify`, so lone surrogates are escaped and the text is always valid UTF-8. Values JSON cannot carry
 * faithfully (NaN, Infinity, bigint, functions, symbols, cycles) are refused instead of silently changed.
 */
import { AppError } from '../../errors/index.js'

const MAX_DEPTH = 64

export function canonicalJson (value: unknown): string {
  return write(value, 0)
}

function refuse (problem: string): never {
  throw new AppError('VALIDATION', { json: problem })
}

function write (value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) refuse(`nested deeper than ${MAX_DEPTH} (or a cycle)`)
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string': return JSON.stringify(value)
    case 'boolean': return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) refuse('a number that is not finite')
      return JSON.stringify(value)
    case 'object': break
    default: refuse(`a ${typeof value} value`)
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') return write(toJSON.call(value), depth + 1)
  if (Array.isArray(value)) {
    // As JSON.stringify: an undefined array slot is null (a position cannot be left out).
    return `[${value.map(v => v === undefined ? 'null' : write(v, depth + 1)).join(',')}]`
  }
  const obj = value as Record<string, unknown>
  const parts: string[] = []
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key]
    if (v === undefined) continue
    parts.push(`${JSON.stringify(key)}:${write(v, depth + 1)}`)
  }
  return `{${parts.join(',')}}`
}
