/**
 * Character error rate with words in any order (the corpus README's measure): a two-column header read row by row
 * or column by column costs nothing, while every wrong, missing or extra character counts once.
 *
 * Both texts are NFC-normalised and split on whitespace. Identical words are paired first; the rest are paired
 * greedily by smallest edit distance. Unpaired reference words count as deletions and unpaired OCR words as
 * insertions. CER = total edits / reference characters (spaces not counted).
 */

export function levenshtein (a: string, b: string): number {
  const A = Array.from(a)
  const B = Array.from(b)
  if (A.length === 0) return B.length
  if (B.length === 0) return A.length
  let prev = new Array<number>(B.length + 1)
  let cur = new Array<number>(B.length + 1)
  for (let j = 0; j <= B.length; j++) prev[j] = j
  for (let i = 1; i <= A.length; i++) {
    cur[0] = i
    for (let j = 1; j <= B.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (A[i - 1] === B[j - 1] ? 0 : 1))
    }
    ;[prev, cur] = [cur, prev]
  }
  return prev[B.length]
}

export interface CerResult {
  cer: number
  edits: number
  refChars: number
}

export function cerAnyOrder (reference: string, hypothesis: string): CerResult {
  const words = (s: string): string[] => s.normalize('NFC').split(/\s+/u).filter(w => w.length > 0)
  const ref = words(reference)
  const hyp = words(hypothesis)
  const refChars = ref.reduce((n, w) => n + Array.from(w).length, 0)

  const pool = new Map<string, number>()
  for (const w of hyp) pool.set(w, (pool.get(w) ?? 0) + 1)
  const refLeft: string[] = []
  for (const w of ref) {
    const n = pool.get(w) ?? 0
    if (n > 0) pool.set(w, n - 1)
    else refLeft.push(w)
  }
  const hypLeft: string[] = []
  for (const [w, n] of pool) for (let i = 0; i < n; i++) hypLeft.push(w)

  const pairs: Array<{ i: number, j: number, d: number }> = []
  for (let i = 0; i < refLeft.length; i++) {
    for (let j = 0; j < hypLeft.length; j++) {
      const d = levenshtein(refLeft[i], hypLeft[j])
      // Pairing only pays when it is cheaper than deleting one word and inserting the other.
      if (d < Array.from(refLeft[i]).length + Array.from(hypLeft[j]).length) pairs.push({ i, j, d })
    }
  }
  pairs.sort((p, q) => p.d - q.d)
  const usedRef = new Set<number>()
  const usedHyp = new Set<number>()
  let edits = 0
  for (const p of pairs) {
    if (usedRef.has(p.i) || usedHyp.has(p.j)) continue
    usedRef.add(p.i)
    usedHyp.add(p.j)
    edits += p.d
  }
  refLeft.forEach((w, i) => { if (!usedRef.has(i)) edits += Array.from(w).length })
  hypLeft.forEach((w, j) => { if (!usedHyp.has(j)) edits += Array.from(w).length })
  return { cer: refChars === 0 ? 0 : edits / refChars, edits, refChars }
}
