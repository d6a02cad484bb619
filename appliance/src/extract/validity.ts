/**
 * Until when a result is valid, when it says so: `có hiệu lực đến ngày ...`, `có giá trị đến ...`, `thời hạn sử
 * dụng đến ...` with a date; or a period counted from the issue date (`trong thời hạn 12 tháng kể từ ngày cấp`),
 * then computed from the issue date and marked VALID_UNTIL_COMPUTED. The phrase may wrap onto the next line, so
 * each page is read as one stream of its lines.
 */
import type { Reading } from './field.js'
import { wordsIn, type Line, type PageLayout, type Used } from './layout.js'
import { addPeriod, findDates, repairDigits } from './text.js'

const UNTIL = /(hieu luc|gia tri|thoi han|su dung)[a-z ,]{0,30}?\s(den|toi)\s+(het\s+)?/gu
const PERIOD = /(hieu luc|gia tri|thoi han)[a-z ,]{0,50}?\s([0-9oil]{1,3})\s*(ngay|thang|nam)\s*,?\s*(ke|tinh)\s+tu\s+ngay\s+(cap|ky|ban hanh)/gu
const UNITS = { ngay: 'day', thang: 'month', nam: 'year' } as const

interface Stream {
  folded: string
  pieces: Array<{ line: Line, at: number }>
}

function streamOf (layout: PageLayout): Stream {
  let folded = ''
  const pieces: Stream['pieces'] = []
  for (const line of layout.lines) {
    if (folded !== '') folded += ' '
    pieces.push({ line, at: folded.length })
    folded += line.folded
  }
  return { folded, pieces }
}

function usedIn (s: Stream, start: number, end: number): Used[] {
  const out: Used[] = []
  for (const p of s.pieces) {
    const from = Math.max(start, p.at) - p.at
    const to = Math.min(end, p.at + p.line.folded.length) - p.at
    if (to > from) out.push({ page: p.line.page, words: wordsIn(p.line, from, to) })
  }
  return out
}

export function validUntilField (layouts: PageLayout[], issued: string | null): Reading | null {
  for (const layout of layouts) {
    const s = streamOf(layout)
    for (const m of s.folded.matchAll(UNTIL)) {
      const after = m.index + m[0].length
      const date = findDates(s.folded.slice(after, after + 40)).find(d => d.start <= 6)
      if (date) return { value: date.iso, used: usedIn(s, m.index, after + date.end), structure: 1 }
    }
  }
  if (issued === null) return null
  for (const layout of layouts) {
    const s = streamOf(layout)
    for (const m of s.folded.matchAll(PERIOD)) {
      const amount = Number(repairDigits(m[2]) ?? NaN)
      if (!Number.isInteger(amount) || amount <= 0) continue
      const until = addPeriod(issued, amount, UNITS[m[3] as keyof typeof UNITS])
      if (until) return { value: until, used: usedIn(s, m.index, m.index + m[0].length), structure: 0.7, warnings: ['VALID_UNTIL_COMPUTED'] }
    }
  }
  return null
}
