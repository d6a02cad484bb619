/**
 * Query parsing. Every clause must match (AND). A clause is one term, or a phrase: terms that must appear at
 * consecutive positions. Phrases come from "double quotes" (straight or curly) and from words glued by punctuation,
 * so `1470/GPXD-UBND` typed bare is the phrase `1470 gpxd ubnd`. A quote without its pair is ignored.
 */
import { tokenize } from './tokenize.js'

export interface Clause {
  /** One term, or several that must be consecutive. */
  terms: string[]
}

export interface ParsedQuery {
  clauses: Clause[]
  /** The distinct terms of all clauses, in first-seen order (BM25 scores each once). */
  terms: string[]
  /** True when the query had something in it that yields no term (only punctuation): it matches nothing. */
  unmatchable: boolean
}

const QUOTES = /["\u201c\u201d\u201e\u00ab\u00bb]/
/** Bounds the work one request can cause. */
export const MAX_CLAUSES = 16
export const MAX_PHRASE_TERMS = 16

/** Clauses keep the query's order: the ranking rewards words typed next to each other that stand together. */
export function parseQuery (query: string): ParsedQuery {
  const clauses: Clause[] = []
  const seen = new Set<string>()
  const add = (terms: string[]): void => {
    if (terms.length === 0 || clauses.length >= MAX_CLAUSES) return
    const clause = terms.slice(0, MAX_PHRASE_TERMS)
    const key = clause.join(' ')
    if (seen.has(key)) return
    seen.add(key)
    clauses.push({ terms: clause })
  }
  // Odd parts are inside quotes, except the part after a last, unpaired quote.
  const parts = query.split(QUOTES)
  const paired = parts.length % 2 === 1
  parts.forEach((part, i) => {
    if (i % 2 === 1 && (paired || i < parts.length - 1)) add(tokenize(part).map(t => t.term))
    else for (const chunk of part.split(/\s+/)) if (chunk !== '') add(tokenize(chunk).map(t => t.term))
  })
  const terms = [...new Set(clauses.flatMap(c => c.terms))]
  const blank = parts.every(part => part.trim() === '')
  return { clauses, terms, unmatchable: clauses.length === 0 && !blank }
}

/** Pairs of single words next to each other in the query (quoted phrases already require adjacency). */
export function adjacentWords (parsed: ParsedQuery): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (let i = 1; i < parsed.clauses.length; i++) {
    const [a, b] = [parsed.clauses[i - 1].terms, parsed.clauses[i].terms]
    if (a.length === 1 && b.length === 1 && a[0] !== b[0]) pairs.push([a[0], b[0]])
  }
  return pairs
}
