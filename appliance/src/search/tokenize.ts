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

const WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u

/**
 * Tokens of a text already in NFC. The same runs as WORD over the folded text, found by a character loop: folded
 * Vietnamese is almost all ASCII, and the regex iterator with a replace per token was most of a bulk build's time.
 */
export function tokenizeNormalized (nfc: string): Token[] {
  const folded = foldNormalized(nfc)
  const tokens: Token[] = []
  const n = folded.length
  let i = 0
  while (i < n) {
    const start = i
    let ascii = true
    let digits = true
    while (i < n) {
      const c = folded.charCodeAt(i)
      if (c < 0x80) {
        if (c >= 0x30 && c <= 0x39) { i++; continue }
        if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) { digits = false; i++; continue }
        break
      }
      const cp = folded.codePointAt(i)!
      const width = cp > 0xffff ? 2 : 1
      if (!WORD_CHAR.test(folded.slice(i, i + width))) break
      ascii = false
      digits = false
      i += width
    }
    if (i === start) { i++; continue }
    let term = ascii ? folded.slice(start, i) : termOf(folded.slice(start, i))
    if (ascii) {
      if (digits && term.length > 1 && term.charCodeAt(0) === 0x30) term = term.replace(/^0+(?=\d)/, '')
      if (term.length > MAX_TERM_LENGTH) term = term.slice(0, MAX_TERM_LENGTH)
    }
    if (term === '') continue
    tokens.push({ term, start, end: i, position: tokens.length })
  }
  return tokens
}

/** Tokens of any text (NFC or NFD); offsets refer to `normalizeText(s)`. */
export function tokenize (s: string): Token[] {
  return tokenizeNormalized(normalizeText(s))
}
