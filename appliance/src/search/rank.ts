/**
 * BM25 scoring and phrase matching over token positions, plus an adjacency bonus: Vietnamese names and terms are
 * runs of very common syllables (`nguyễn văn an`), which BM25 alone scores as well scattered over a page as
 * standing together.
 */

export const BM25_K1 = 1.2
export const BM25_B = 0.75
/**
 * Two query words typed side by side and found side by side add this much of their two IDFs: about what one
 * more occurrence of each would add, enough to lift the document that holds the name over one that scatters it.
 */
export const ADJACENCY_WEIGHT = 1

/** Robertson–Spärck Jones IDF with +1 inside the log so it never goes negative for very common terms. */
export function idf (documents: number, df: number): number {
  return Math.log(1 + (documents - df + 0.5) / (df + 0.5))
}

/** One term's BM25 contribution for a document of `length` tokens holding it `tf` times. */
export function bm25Term (tf: number, length: number, averageLength: number, termIdf: number): number {
  const norm = BM25_K1 * (1 - BM25_B + BM25_B * (averageLength > 0 ? length / averageLength : 1))
  return termIdf * (tf * (BM25_K1 + 1)) / (tf + norm)
}

/**
 * True when the terms occur at consecutive positions somewhere. `positions[i]` are the ascending positions of the
 * phrase's i-th term in one document.
 */
export function hasPhrase (positions: ReadonlyArray<readonly number[]>): boolean {
  if (positions.length === 0) return false
  if (positions.length === 1) return positions[0].length > 0
  // Walk the rarest term's positions and probe the others by offset (lists are short and sorted).
  let anchor = 0
  for (let i = 1; i < positions.length; i++) if (positions[i].length < positions[anchor].length) anchor = i
  for (const p of positions[anchor]) {
    const start = p - anchor
    if (start < 0) continue
    let all = true
    for (let i = 0; i < positions.length && all; i++) if (i !== anchor && !contains(positions[i], start + i)) all = false
    if (all) return true
  }
  return false
}

function contains (sorted: readonly number[], value: number): boolean {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] === value) return true
    if (sorted[mid] < value) lo = mid + 1; else hi = mid - 1
  }
  return false
}
