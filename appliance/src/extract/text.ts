/**
 * Text helpers for reading OCR'd Vietnamese: accent folding that keeps offsets, letter case, digit repair, name
 * casing and dates. Folding is one UTF-16 unit in, one out, so a match in the folded text points at the same
 * characters (and words) of the printed text.
 */

/** One character folded: accents off, `đ`/`Đ` to `d`, lower case; a stray combining mark becomes a space. */
function foldChar (ch: string): string {
  if (ch === 'đ' || ch === 'Đ' || ch === 'Ð' || ch === 'ð') return 'd'
  const base = ch.normalize('NFD')
  if (base.length === 0) return ch
  const first = base[0]
  if (/\p{M}/u.test(first)) return ' '
  const lower = first.toLowerCase()
  return lower.length === 1 ? lower : first
}

const FOLD_CACHE = new Map<string, string>()

/** Accent- and case-folded text of the same length as the input (NFC input). */
export function fold (text: string): string {
  const out = new Array<string>(text.length)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 128) {
      out[i] = code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : text[i]
      continue
    }
    const ch = text[i]
    let f = FOLD_CACHE.get(ch)
    if (f === undefined) {
      f = foldChar(ch)
      if (FOLD_CACHE.size < 4096) FOLD_CACHE.set(ch, f)
    }
    out[i] = f
  }
  return out.join('')
}

/**
 * NFC, single spaces, trimmed; letters outside the Vietnamese alphabet that OCR reads for Vietnamese ones put
 * back: the eth for `Đ`, a diaeresis for the breve of `ă` (the alphabet has no diaeresis).
 */
export function clean (text: string): string {
  return text.normalize('NFC').replace(/[ÐðäÄ]/gu, ch => OUTSIDE_ALPHABET[ch]).replace(/\s+/gu, ' ').trim()
}

const OUTSIDE_ALPHABET: Record<string, string> = { Ð: 'Đ', ð: 'đ', ä: 'ă', Ä: 'Ă' }

/** Letters in the text and the share of them in upper case (0 when there are none). */
export function upperShare (text: string): { letters: number, share: number } {
  let letters = 0
  let upper = 0
  for (const ch of text) {
    // Cased letters only: every letter of the Vietnamese alphabet has two cases.
    const lower = ch.toLowerCase()
    const up = ch.toUpperCase()
    if (lower === up) continue
    letters++
    if (ch === up) upper++
  }
  return { letters, share: letters === 0 ? 0 : upper / letters }
}

/** A word that starts with a capital letter and holds letters only (a part of a person's name). */
export function isNameWord (word: string): boolean {
  return /^\p{Lu}[\p{L}'’]*$/u.test(word)
}

/**
 * A person's name as it is written in records: each word capitalised. Names printed in capitals
 * (`RƠ MAH NGỌC BLƠI`) are turned to `Rơ Mah Ngọc Blơi`; mixed case is kept as printed.
 */
export function nameCase (name: string): string {
  const words = clean(name).split(' ')
  // Inside a word in mixed case a capital I is an l the engine misread (`BIơi` for `Blơi`); `Ia` keeps its I.
  if (upperShare(name).share < 0.8) return words.map(w => w.replace(/(?<=\p{L})I(?=\p{Ll})/gu, 'l')).join(' ')
  return words.map(w => {
    // Vietnamese has no special casing rules: the root locale's mapping is the same and much faster.
    const lower = w.toLowerCase()
    return lower.charAt(0).toUpperCase() + lower.slice(1)
  }).join(' ')
}

/** Characters OCR reads for digits in a numeric slot. */
const DIGIT_LOOKALIKES: Record<string, string> = { O: '0', o: '0', D: '0', Q: '0', l: '1', I: '1', i: '1', '|': '1', '!': '1', S: '5', s: '5', B: '8', Z: '2', z: '2', g: '9', G: '6', b: '6' }

/**
 * Digits of a token meant to be numeric (a day, a year, an ID): look-alike letters turned into digits when the
 * token is already mostly digits. Returns null when it is not a number.
 */
export function repairDigits (token: string): string | null {
  const chars = Array.from(token.replace(/[.,;:)(\]\['"]+$/u, '').replace(/^[.,;:)(\]\['"]+/u, ''))
  if (chars.length === 0) return null
  const digits = chars.filter(c => c >= '0' && c <= '9').length
  if (digits === 0) return null
  const fixed = chars.map(c => (c >= '0' && c <= '9') ? c : (DIGIT_LOOKALIKES[c] ?? 'x'))
  if (fixed.includes('x')) return null
  // One or two look-alikes among several digits; a token of letters with one digit is a word, not a number.
  if (digits < chars.length / 2) return null
  return fixed.join('')
}

/** ISO date from day, month, year, or null when no such date (years 1900-2200). */
export function isoDate (day: number, month: number, year: number): string | null {
  if (!Number.isInteger(day) || !Number.isInteger(month) || !Number.isInteger(year)) return null
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31) return null
  const d = new Date(Date.UTC(year, month - 1, day))
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null
  return d.toISOString().slice(0, 10)
}

/** Adds whole days, months or years to an ISO date (month ends clamp: 31 Jan + 1 month = 28/29 Feb). */
export function addPeriod (iso: string, amount: number, unit: 'day' | 'month' | 'year'): string | null {
  const [y, m, d] = iso.split('-').map(Number)
  if (unit === 'day') {
    const t = new Date(Date.UTC(y, m - 1, d + amount))
    return t.toISOString().slice(0, 10)
  }
  const months = unit === 'year' ? amount * 12 : amount
  const total = (m - 1) + months
  const year = y + Math.floor(total / 12)
  const month = ((total % 12) + 12) % 12
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  return isoDate(Math.min(d, last), month + 1, year)
}

export interface DateMatch {
  iso: string
  /** Offsets in the (folded) text of the whole date expression. */
  start: number
  end: number
}

/**
 * Dates written out (`ngày 05 tháng 3 năm 2019`, also read without accents or with look-alike digits) or in
 * figures (`05/03/2019`, `5-3-2019`, `05.03.2019`), found in folded text.
 */
export function findDates (folded: string): DateMatch[] {
  const out: DateMatch[] = []
  const num = '([0-9oOlIi|]{1,2})'
  const year = '([0-9oOlIi|]{4})'
  // "ngay" with one letter misread, "thang"/"nam" likewise; separators may be punctuation OCR added.
  const words = new RegExp(`(?<![a-z])n\\s?[gq]?\\s?[a-z]?y\\W{0,3}${num}\\W{0,3}th?[a-z]?n[gq]?\\W{0,3}${num}\\W{0,3}n[a-z]m\\W{0,3}${year}`, 'g')
  for (const m of folded.matchAll(words)) {
    const iso = parts(m[1], m[2], m[3])
    if (iso) out.push({ iso, start: m.index, end: m.index + m[0].length })
  }
  const figures = /(?<![0-9])([0-9]{1,2})\s?[/.-]\s?([0-9]{1,2})\s?[/.-]\s?([0-9]{4})(?![0-9])/g
  for (const m of folded.matchAll(figures)) {
    if (out.some(o => m.index >= o.start && m.index < o.end)) continue
    const iso = parts(m[1], m[2], m[3])
    if (iso) out.push({ iso, start: m.index, end: m.index + m[0].length })
  }
  return out.sort((a, b) => a.start - b.start)
}

function parts (day: string, month: string, year: string): string | null {
  const d = repairDigits(day)
  const m = repairDigits(month)
  const y = repairDigits(year)
  if (d === null || m === null || y === null) return null
  return isoDate(Number(d), Number(m), Number(y))
}
