/**
 * Snippets: a window of the original text around the best match, HTML-escaped, matched words in `<mark>`, an
 * ellipsis where the text was cut. The best window holds the most distinct clauses (query words found side by
 * side count as one more), then the most hits.
 */
import type { Clause } from './query.js'
import { tokenizeNormalized, type Token } from './tokenize.js'

export const SNIPPET_CHARS = 240
/** How much text to show before the first hit of the window. */
const LEAD_CHARS = 60
const ELLIPSIS = '…'

interface Hit { start: number, end: number, clause: number }

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, c => ESCAPES[c])
}

/** Escaped, whitespace runs (line breaks included) shown as one space. */
const show = (s: string): string => escapeHtml(s.replace(/\s+/g, ' '))

function findHits (tokens: Token[], clauses: Clause[]): Hit[] {
  const hits: Hit[] = []
  clauses.forEach((clause, c) => {
    const n = clause.terms.length
    for (let i = 0; i + n <= tokens.length; i++) {
      let match = true
      for (let k = 0; k < n && match; k++) if (tokens[i + k].term !== clause.terms[k]) match = false
      if (match) hits.push({ start: tokens[i].start, end: tokens[i + n - 1].end, clause: c })
    }
  })
  return hits.sort((a, b) => a.start - b.start || b.end - a.end)
}

/** Index range [from, to] of the hits forming the best window of `width` characters. */
function bestWindow (hits: Hit[], width: number): [number, number] {
  let best: [number, number] = [0, 0]
  let bestDistinct = 0
  let bestCount = 0
  const counts = new Map<number, number>()
  let from = 0
  for (let to = 0; to < hits.length; to++) {
    counts.set(hits[to].clause, (counts.get(hits[to].clause) ?? 0) + 1)
    while (hits[to].end - hits[from].start > width && from < to) {
      const left = counts.get(hits[from].clause)! - 1
      if (left === 0) counts.delete(hits[from].clause); else counts.set(hits[from].clause, left)
      from++
    }
    const count = to - from + 1
    if (counts.size > bestDistinct || (counts.size === bestDistinct && count > bestCount)) {
      best = [from, to]; bestDistinct = counts.size; bestCount = count
    }
  }
  return best
}

const isSpace = (ch: string | undefined): boolean => ch === undefined || /\s/.test(ch)

/** Moves a cut point out of the middle of a word: back for the start, forward to a space for the end. */
function cutStart (text: string, at: number): number {
  if (at <= 0) return 0
  let i = at
  while (i > 0 && !isSpace(text[i - 1]) && at - i < 20) i--
  return isSpace(text[i - 1]) ? i : at
}

function cutEnd (text: string, at: number): number {
  if (at >= text.length) return text.length
  let i = at
  while (i < text.length && !isSpace(text[i]) && i - at < 20) i++
  return i
}

/**
 * `text` must be NFC (the index stores it so). `together`: extra phrases that only steer the choice of window
 * (the query's adjacent words); they are not marked as such.
 */
export function makeSnippet (text: string, clauses: Clause[], together: Clause[] = [], width = SNIPPET_CHARS): string {
  const all = clauses.length > 0 ? [...clauses, ...together] : []
  const hits = all.length > 0 ? findHits(tokenizeNormalized(text), all) : []
  let start = 0
  let end = Math.min(text.length, width)
  if (hits.length > 0) {
    const [from, to] = bestWindow(hits, width)
    const first = hits[from].start
    const last = hits[to].end
    const spare = Math.max(0, width - (last - first))
    start = Math.max(0, first - Math.min(LEAD_CHARS, spare))
    end = Math.min(text.length, Math.max(last, start + width))
  }
  start = cutStart(text, start)
  end = cutEnd(text, end)
  // Every hit inside the window is marked, not only those of the best group.
  const shown = hits.filter(h => h.clause < clauses.length && h.start >= start && h.end <= end)
  // Merge overlapping marks (a phrase and a term on the same words).
  const marks: Array<{ start: number, end: number }> = []
  for (const h of shown) {
    const last = marks[marks.length - 1]
    if (last !== undefined && h.start < last.end) last.end = Math.max(last.end, h.end)
    else marks.push({ start: h.start, end: h.end })
  }
  let html = ''
  let at = start
  for (const m of marks) {
    html += show(text.slice(at, m.start)) + '<mark>' + show(text.slice(m.start, m.end)) + '</mark>'
    at = m.end
  }
  html += show(text.slice(at, end))
  const lead = start > 0 ? ELLIPSIS : ''
  const tail = end < text.length ? ELLIPSIS : ''
  return lead + html.trim() + tail
}
