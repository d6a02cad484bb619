/** A field as one reader found it, and its conversion to the shared ExtractedField shape. */
import { clean } from './text.js'
import { boxesOf, ocrConfidence, type Used } from './layout.js'
import { levenshtein, snapToList, snapWords } from './snap.js'
import type { ExtractedField, KnownListName } from './types.js'

export interface Reading {
  value: string
  /** The words the value was read from, per page. */
  used: Used[]
  /** 0..1: how well the page's structure matched what the decree prescribes for this field. */
  structure: number
  warnings?: string[]
  /**
   * A person's name: no list can correct it, and a misread letter keeps the engine's confidence in the 80s, so a
   * doubted word weighs more (DOUBTED_NAME_WORD) than in a number or a date (DOUBTED_WORD).
   */
  person?: boolean
}

/** A word read with less confidence than this is often misread (a lost horn or breve): worth a look. */
const LOW_WORD_CONFIDENCE = 60
/**
 * A word the engine doubted (it gives 95-97 % to words it read cleanly) bounds its field at its own confidence less
 * WEAK_WORD_MARGIN: in a name a word at 92 % or below sends the field to review, elsewhere one below 60 %.
 */
const DOUBTED_NAME_WORD = 0.93
const DOUBTED_WORD = 0.6
const WEAK_WORD_MARGIN = 0.12

export function toField (r: Reading | null): ExtractedField {
  if (r === null) return missing()
  const value = clean(r.value)
  if (value === '') return missing()
  // The weakest word bounds the field: one word the engine doubted (a lost breve, a name under the seal) is
  // enough for the value to be wrong, however sure the others are.
  const words = r.used.flatMap(u => u.words)
  const lowest = words.length ? Math.min(...words.map(w => w.conf)) / 100 : 1
  const weakest = lowest < (r.person ? DOUBTED_NAME_WORD : DOUBTED_WORD) ? lowest - WEAK_WORD_MARGIN : 1
  const confidence = Math.round(Math.max(0, Math.min(1, Math.min(ocrConfidence(r.used), weakest) * r.structure)) * 1000) / 1000
  const shaky = r.used.some(u => u.words.some(w => w.conf < LOW_WORD_CONFIDENCE))
  const warnings = [...new Set([...(r.warnings ?? []), ...(shaky ? ['OCR_LOW_CONFIDENCE'] : [])])]
  return { value, confidence, boxes: boxesOf(r.used), ...(warnings.length ? { warnings } : {}) }
}

export function missing (): ExtractedField {
  return { value: null, confidence: 0, boxes: [] }
}

/**
 * The field snapped to its known list when one entry is near enough: the value becomes the entry, the reading is
 * kept as `raw`, and the distance is said. The reading may go on past the entry: `keepRest` (an office under its
 * People's Committee) keeps the words after it as read; `dropRest` (a position, then marks of the seal) drops them.
 * Failing that, single words are snapped to the list's words (`TÍNH` to `TỈNH`) when only one fits.
 */
export function snapField (f: ExtractedField, list: readonly string[], name: KnownListName, rest: 'keepRest' | 'dropRest'): ExtractedField {
  if (f.value === null || list.length === 0) return f
  const whole = snapToList(f.value, list)
  let value: string | null = null
  let distance = 0
  let exact = false
  if (whole) {
    value = whole.value
    distance = whole.distance
    exact = true
  } else {
    const words = f.value.split(' ')
    for (let n = words.length - 1; n >= 2 && value === null; n--) {
      const head = snapToList(words.slice(0, n).join(' '), list)
      if (!head) continue
      value = rest === 'keepRest' ? [head.value, ...words.slice(n)].join(' ') : head.value
      distance = head.distance + (rest === 'dropRest' ? words.slice(n).join(' ').length : 0)
      exact = rest === 'dropRest'
    }
    // A position after marks a seal left (`TẾ. ỦY BAN NHÂN DÂN CHỦ TỊCH`): its last words, longest first.
    for (let n = 1; rest === 'dropRest' && value === null && n < words.length; n++) {
      const tail = snapToList(words.slice(n).join(' '), list)
      if (tail) { value = tail.value; distance = tail.distance + words.slice(0, n).join(' ').length + 1 }
    }
    if (value === null) {
      const w = snapWords(f.value, list)
      if (w) { value = w.value; distance = w.distance }
    }
  }
  if (value === null || value === f.value) return exact && value !== null ? { ...f, confidence: Math.max(f.confidence, KNOWN_EXACT) } : f
  // What the entry differs from the reading by, as printed (a hyphen for a space counts).
  if (distance === 0) distance = Math.max(1, levenshtein(f.value.toUpperCase(), value))
  // The whole reading is a known entry: as good as the entry when the distance is small against its length.
  const confidence = exact ? Math.max(f.confidence, KNOWN_EXACT - 0.02 * distance) : f.confidence
  return { ...f, value, raw: f.value, snapped: { list: name, distance }, confidence: Math.round(confidence * 1000) / 1000 }
}

/** A reading that is exactly an entry of a known list is what was printed. */
const KNOWN_EXACT = 0.9
