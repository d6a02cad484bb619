/**
 * Tokens are runs of letters and digits of the folded text. Punctuation splits, so `1470/GPXD-UBND` is the three
 * consecutive tokens `1470 gpxd ubnd` and `24/02/2018` is `24 2 2018`: each part is findable alone, and the whole
 * is found as a phrase of its parts (the query side splits the same way).
 */
import { foldNormalized, normalizeText } from './fold.js'

export interface Token {
  /** The folded term: what the index stores and queries match. */
  term: string
  /** Offsets in the NFC text (`normalizeText(input)`), end exclusive. */
  start: number
  end: number
  /** Ordinal among the text's tokens, from 0: phrase matching compares these. */
  position: number
}

/** Marks stay inside a word (a stray combining accent must not split it) but are not part of its term. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu
const MARKS = /\p{M}/gu
const DIGITS = /^[0-9]+$/
/** Longer runs are OCR noise or glued text; capping keeps index keys small. */
export const MAX_TERM_LENGTH = 64

/**
 * Numbers compare by value, so `ngày 07` matches a query for `7` and `24/2/2018` matches `24/02/2018`.
 * Returns '' for a run of marks only.
 */
function termOf (word: string): string {
  let term = word.replace(MARKS, '')
  if (DIGITS.test(term)) term = term.replace(/^0+(?=\d)/, '')
  return term.length > MAX_TERM_LENGTH ? term.slice(0, MAX_TERM_LENGTH) : term
}

/** Tokens of a text already in NFC. */
export function tokenizeNormalized (nfc: string): Token[] {
  const folded = foldNormalized(nfc)
  const tokens: Token[] = []
  for (const match of folded.matchAll(WORD)) {
    const term = termOf(match[0])
    if (term === '') continue
    tokens.push({ term, start: match.index, end: match.index + match[0].length, position: tokens.length })
  }
  return tokens
}

/** Tokens of any text (NFC or NFD); offsets refer to `normalizeText(s)`. */
export function tokenize (s: string): Token[] {
  return tokenizeNormalized(normalizeText(s))
}
