/** What a reviewer may type into a field, normalised the way extraction writes it (NFC, single spaces, ISO dates). */
import { AppError } from '../errors/index.js'
import type { FieldName } from '../extract/index.js'

const MAX_LENGTH = 2000
const DATE_FIELDS = new Set<FieldName>(['issuedDate', 'validUntil'])

export function normaliseFieldValue (name: FieldName, raw: string): string | null {
  if (typeof raw !== 'string') throw new AppError('FIELD_INVALID', { field: name })
  const value = raw.normalize('NFC').replace(/\s+/g, ' ').trim()
  if (value === '') return null
  if (value.length > MAX_LENGTH) throw new AppError('FIELD_INVALID', { field: name, reason: 'too long' })
  if (DATE_FIELDS.has(name)) return isoDate(value, name)
  if (name === 'subjectId') {
    const digits = value.replace(/[\s.]/g, '')
    if (!/^\d{1,20}$/.test(digits)) throw new AppError('FIELD_INVALID', { field: name, reason: 'digits only' })
    return digits
  }
  return value
}

/** Accepts `YYYY-MM-DD` or the Vietnamese `DD/MM/YYYY`; refuses impossible dates. */
export function isoDate (value: string, field: string): string {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  let y: number, mo: number, d: number
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  else {
    m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value)
    if (!m) throw new AppError('FIELD_INVALID', { field, reason: 'date as YYYY-MM-DD or DD/MM/YYYY' })
    ;[d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])]
  }
  const date = new Date(Date.UTC(y, mo - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || y < 1945 || y > 2200) {
    throw new AppError('FIELD_INVALID', { field, reason: 'no such date' })
  }
  return date.toISOString().slice(0, 10)
}
