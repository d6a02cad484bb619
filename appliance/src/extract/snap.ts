/**
 * Known lists correct the OCR: a reading is snapped to the one entry of a list (the unit catalogue's bodies, the
 * result types, positions) within a bounded edit distance, measured on the accent-folded form (letters) and on the
 * accented form (the marks OCR loses or swaps: `CHÚNG` for `CHỨNG`, `SẼ` for `SÊ`). An entry tied with another
 * is not chosen: an ambiguous reading stays as read.
 */
import { fold } from './text.js'

/** Positions of signers (Phụ lục I: the title line of the signature block). */
export const POSITIONS = [
  'CHỦ TỊCH', 'PHÓ CHỦ TỊCH', 'Q. CHỦ TỊCH', 'TRƯỞNG PHÒNG', 'PHÓ TRƯỞNG PHÒNG', 'GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC',
  'CHI CỤC TRƯỞNG', 'PHÓ CHI CỤC TRƯỞNG', 'CHÁNH VĂN PHÒNG', 'PHÓ CHÁNH VĂN PHÒNG', 'TRƯỞNG BAN', 'PHÓ TRƯỞNG BAN',
  'TRƯỞNG PHÒNG TÀI CHÍNH - KẾ HOẠCH', 'TRƯỞNG PHÒNG TƯ PHÁP', 'TRƯỞNG PHÒNG TÀI NGUYÊN VÀ MÔI TRƯỜNG',
  'TRƯỞNG PHÒNG KINH TẾ VÀ HẠ TẦNG', 'TRƯỞNG PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI', 'CÔNG CHỨC TƯ PHÁP - HỘ TỊCH'
]

export function levenshtein (a: string, b: string, cap = Infinity): number {
  if (a === b) return 0
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  if (Math.abs(a.length - b.length) > cap) return cap + 1
  let prev = new Array<number>(b.length + 1)
  let cur = new Array<number>(b.length + 1)
  for (let j = 0; j <= b.length; j++) prev[j] = j
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (cur[j] < rowMin) rowMin = cur[j]
    }
    if (rowMin > cap) return cap + 1
    ;[prev, cur] = [cur, prev]
  }
  return prev[b.length]
}

/**
 * Upper case NFC, commas and semicolons OCR adds dropped, a hyphen it read for a space (`CHI-CỤC`) a space, single
 * spaces, ` - ` as printed between names.
 */
const key = (s: string): string => s.normalize('NFC').toUpperCase().replace(/[,;]/gu, ' ').replace(/(?<=\p{L})[-–](?=\p{L})/gu, ' ').replace(/\s+/gu, ' ').replace(/\s*-\s*/gu, ' - ').trim()

/**
 * Letters the folded form may differ by: one per 10, at least 1, at most 2 (OCR slips a letter or two; more is
 * a different or a cut reading, which a list must not complete).
 */
const foldedBound = (n: number): number => Math.max(1, Math.min(2, Math.floor(n / 10)))

export interface Snapped {
  value: string
  /** Edits between the reading and the entry, accented. */
  distance: number
}

/** The entry the reading is, or null when none is near enough or two are equally near. Exact: distance 0. */
export function snapToList (reading: string, list: readonly string[]): Snapped | null {
  const r = key(reading)
  if (r === '' || list.length === 0) return null
  const rf = fold(r)
  const bound = foldedBound(rf.length)
  let best: { value: string, d: number, f: number } | null = null
  let tie = false
  const seen = new Set<string>()
  for (const entry of list) {
    const e = key(entry)
    if (seen.has(e)) continue
    seen.add(e)
    const f = levenshtein(rf, fold(e), bound)
    if (f > bound) continue
    // Accents: every mark may be lost, but not more edits than a third of the letters.
    const d = levenshtein(r, e, Math.ceil(r.length / 3))
    if (d > Math.ceil(r.length / 3)) continue
    if (!best || f < best.f || (f === best.f && d < best.d)) { tie = false; best = { value: e, d, f } } else if (f === best.f && d === best.d) tie = true
  }
  if (!best || tie) return null
  return { value: best.value, distance: best.d }
}

const VOCABULARY = new WeakMap<readonly string[], Map<string, string[]>>()

/** The list's words by their folded form. */
function vocabulary (list: readonly string[]): Map<string, string[]> {
  let v = VOCABULARY.get(list)
  if (!v) {
    v = new Map()
    for (const entry of list) {
      for (const w of key(entry).split(' ')) {
        const f = fold(w)
        const forms = v.get(f) ?? []
        if (!forms.includes(w)) forms.push(w)
        v.set(f, forms)
      }
    }
    VOCABULARY.set(list, v)
  }
  return v
}

/**
 * Word by word: a word of the reading the list does not hold, whose letters are those of exactly one word of the
 * list (only its marks differ), becomes that word. Null when nothing changed.
 */
export function snapWords (reading: string, list: readonly string[]): Snapped | null {
  const v = vocabulary(list)
  let distance = 0
  const out = key(reading).split(' ').map(w => {
    const forms = v.get(fold(w))
    if (!forms || forms.includes(w) || forms.length !== 1 || w.length < 2) return w
    distance += levenshtein(w, forms[0])
    return forms[0]
  })
  return distance > 0 ? { value: out.join(' '), distance } : null
}
