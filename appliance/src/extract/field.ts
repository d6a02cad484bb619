/** A field as one reader found it, and its conversion to the shared ExtractedField shape. */
import { clean } from './text.js'
import { boxesOf, ocrConfidence, type Used } from './layout.js'
import { snapToList } from './snap.js'
import type { ExtractedField, KnownListName } from './types.js'

export interface Reading {
  value: string
  /** The words the value was read from, per page. */
  used: Used[]
  /** 0..1: how well the page's structure matched what the decree prescribes for this field. */
  structure: number
  warnings?: string[]
}

/** A word read with less confidence than this is often misread (a lost horn or breve): worth a look. */
const LOW_WORD_CONFIDENCE = 60

export function toField (r: Reading | null): ExtractedField {
  if (r === null) return missing()
  const value = clean(r.value)
  if (value === '') return missing()
  const confidence = Math.round(Math.max(0, Math.min(1, ocrConfidence(r.used) * r.structure)) * 1000) / 1000
  const shaky = r.used.some(u => u.words.some(w => w.conf < LOW_WORD_CONFIDENCE))
  const warnings = [...new Set([...(r.warnings ?? []), ...(shaky ? ['OCR_LOW_CONFIDENCE'] : [])])]
  return { value, confidence, boxes: boxesOf(r.used), ...(warnings.length ? { warnings } : {}) }
}

export function missing (): ExtractedField {
  return { value: null, confidence: 0, boxes: [] }
}

/**
 * The field snapped to its known list when one entry is near enough: the value becomes the entry, the reading is
 * kept as `raw`, and the distance is said. `prefix`: the reading may go on past the entry (an office under its
 * People's Committee, `GIẤY CHỨNG NHẬN ...` of a longer title): the entry replaces only the words it covers.
 */
export function snapField (f: ExtractedField, list: readonly string[], name: KnownListName, prefix: boolean): ExtractedField {
  if (f.value === null || list.length === 0) return f
  const whole = snapToList(f.value, list)
  let value: string | null = null
  let distance = 0
  if (whole) {
    value = whole.value
    distance = whole.distance
  } else if (prefix) {
    const words = f.value.split(' ')
    for (let n = words.length - 1; n >= 2 && value === null; n--) {
      const head = snapToList(words.slice(0, n).join(' '), list)
      if (head && head.distance > 0) { value = `${head.value} ${words.slice(n).join(' ')}`; distance = head.distance }
      else if (head) break
    }
  }
  if (value === null) return f
  if (distance === 0) return { ...f, confidence: Math.max(f.confidence, KNOWN_EXACT) }
  // A corrected reading is as good as the entry when the distance is small against its length.
  return { ...f, value, raw: f.value, snapped: { list: name, distance }, confidence: Math.max(f.confidence, KNOWN_EXACT - 0.02 * distance) }
}

/** A reading that is exactly an entry of a known list is what was printed. */
const KNOWN_EXACT = 0.9
