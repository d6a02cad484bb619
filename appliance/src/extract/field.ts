/** A field as one reader found it, and its conversion to the shared ExtractedField shape. */
import { clean } from './text.js'
import { boxesOf, ocrConfidence, type Used } from './layout.js'
import type { ExtractedField } from './types.js'

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
