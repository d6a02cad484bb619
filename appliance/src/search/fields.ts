/**
 * Extracted fields in the index. A field's words go into the same posting lists as the text's, at positions of
 * their own: field number `i` (its place in FIELD_NAMES) starts at FIELD_BASE + i × FIELD_SPAN. So one read per
 * term still serves a query, phrases never run from one field into another or into the text, and a position
 * tells where a match was. Ranking adds FIELD_BONUS × IDF for a term found in a field: the most that any number
 * of occurrences in the text can add under BM25, so a match in a field ranks above a match in the text only.
 */
import { FIELD_NAMES, type FieldName } from '../extract/index.js'
import { BM25_K1, hasPhrase } from './rank.js'
import { tokenizeNormalized } from './tokenize.js'

/** Text positions stay below this (a text's further tokens are not indexed: 10 million words is no record). */
export const FIELD_BASE = 10_000_000
/** Positions per field; its further tokens are not indexed. */
export const FIELD_SPAN = 100_000
/** BM25's ceiling per term: (k1 + 1) × IDF. */
export const FIELD_BONUS = BM25_K1 + 1

/** Text positions go up to FIELD_BASE - 2, so the text's last word never stands next to the first field's first. */
export const MAX_TEXT_TOKENS = FIELD_BASE - 1
const MAX_FIELD_TOKENS = FIELD_SPAN - 1

/** The fields' tokens as (term, position) pairs, in field order. */
export function fieldTokens (fields: Array<[FieldName, string]>): Array<{ term: string, position: number }> {
  const out: Array<{ term: string, position: number }> = []
  for (const [name, value] of fields) {
    const base = FIELD_BASE + FIELD_NAMES.indexOf(name) * FIELD_SPAN
    for (const token of tokenizeNormalized(value.normalize('NFC'))) {
      if (token.position >= MAX_FIELD_TOKENS) break
      out.push({ term: token.term, position: base + token.position })
    }
  }
  return out
}

/** True when an ascending position list holds a field position. */
export function inField (positions: readonly number[]): boolean {
  return positions.length > 0 && positions[positions.length - 1] >= FIELD_BASE
}

/** The field a position is in, or undefined for the text. */
export function fieldAt (position: number): FieldName | undefined {
  return position < FIELD_BASE ? undefined : FIELD_NAMES[Math.floor((position - FIELD_BASE) / FIELD_SPAN)]
}

/**
 * The fields in which some clause matched: each clause's terms (one, or a phrase) are looked for within each
 * field's own positions. `positions[c][k]` are the positions of clause c's k-th term in one document.
 */
export function matchedFields (positions: ReadonlyArray<ReadonlyArray<readonly number[]>>): FieldName[] {
  const found = new Set<FieldName>()
  for (const clause of positions) {
    const slots = new Set<number>()
    for (const p of clause[0] ?? []) if (p >= FIELD_BASE) slots.add(Math.floor((p - FIELD_BASE) / FIELD_SPAN))
    for (const slot of slots) {
      const lo = FIELD_BASE + slot * FIELD_SPAN
      const hi = lo + FIELD_SPAN
      if (hasPhrase(clause.map(list => list.filter(p => p >= lo && p < hi)))) found.add(FIELD_NAMES[slot])
    }
  }
  return FIELD_NAMES.filter(name => found.has(name))
}
