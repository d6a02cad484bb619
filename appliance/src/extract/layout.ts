/**
 * The page as visual lines: OCR words grouped into lines by position, not only by the engine's line numbers.
 * A line the engine joined across a wide gap (the two header columns on one baseline) is split there, and pieces
 * it left apart on one baseline ("Số:" and "1470/GPXD-UBND") are joined. Each line keeps its words, its text, the
 * same text folded for matching (same offsets) and its box, so a field read from a line knows its words and box.
 */
import type { OcrWord, PageText } from '../store/index.js'
import type { FieldBox } from './types.js'
import { fold } from './text.js'

export interface Line {
  page: number
  words: OcrWord[]
  /** Words joined by single spaces. */
  text: string
  /** `text` folded (no accents, lower case), same length. */
  folded: string
  /** Offset in `text` where each word starts. */
  starts: number[]
  x0: number
  y0: number
  x1: number
  y1: number
  /** Median word height: the type size. */
  h: number
  cx: number
  cy: number
}

export interface PageLayout {
  page: number
  width: number
  height: number
  /** Top to bottom, then left to right. */
  lines: Line[]
  /** Left edge of the body text. */
  left: number
  /** Horizontal centre of the sheet's text area. */
  centre: number
  /** Median type size on the page. */
  lineHeight: number
}

/** Wider than this many type heights, a gap between words is a column gap, not a space. */
const COLUMN_GAP = 2.2
/** Pieces on one baseline closer than this many type heights are one line. */
const JOIN_GAP = 1.6

export function layoutPage (page: PageText, index: number): PageLayout {
  const words = page.words.filter(w => w.text.trim() !== '' && w.bbox.x1 > w.bbox.x0 && w.bbox.y1 > w.bbox.y0)
  const groups = new Map<number, OcrWord[]>()
  for (const w of words) {
    const g = groups.get(w.line)
    if (g) g.push(w)
    else groups.set(w.line, [w])
  }
  let pieces: OcrWord[][] = []
  for (const g of groups.values()) pieces.push(...splitAtGaps(g))
  pieces = joinOnBaseline(pieces)
  const pageHeight = page.height > 0 ? page.height : Math.max(1, ...words.map(w => w.bbox.y1))
  pieces = pieces.flatMap(p => splitAtMotto(p, pageHeight))
  const lines = pieces.map(p => makeLine(p, index)).sort((a, b) => a.cy - b.cy || a.x0 - b.x0)
  const width = page.width > 0 ? page.width : Math.max(1, ...words.map(w => w.bbox.x1))
  const height = page.height > 0 ? page.height : Math.max(1, ...words.map(w => w.bbox.y1))
  return { page: index, width, height, lines, left: leftMargin(lines), centre: textCentre(lines, width), lineHeight: median(lines.map(l => l.h)) || 1 }
}

function splitAtGaps (group: OcrWord[]): OcrWord[][] {
  const sorted = [...group].sort((a, b) => a.bbox.x0 - b.bbox.x0)
  const h = median(sorted.map(w => w.bbox.y1 - w.bbox.y0))
  const out: OcrWord[][] = [[sorted[0]]]
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i].bbox.x0 - sorted[i - 1].bbox.x1
    if (gap > COLUMN_GAP * h) out.push([sorted[i]])
    else out[out.length - 1].push(sorted[i])
  }
  return out
}

/**
 * The two header columns run close together: when the engine read the agency's line and the national name as one
 * line (`ỦY BAN NHÂN DÂN HUYỆN CỘNG HÒA XÃ HỘI ...`), it is cut where the national name starts.
 */
function splitAtMotto (words: OcrWord[], pageHeight: number): OcrWord[][] {
  if (words.length < 5 || words[0].bbox.y0 > 0.3 * pageHeight) return [words]
  const f = words.map(w => fold(w.text.normalize('NFC')).replace(/[^a-z]/gu, ''))
  for (let i = 1; i + 3 < f.length; i++) {
    if (f[i] === 'cong' && f[i + 1] === 'hoa' && f[i + 2] === 'xa' && f[i + 3] === 'hoi') return [words.slice(0, i), words.slice(i)]
  }
  return [words]
}

function extent (ws: OcrWord[]): { x0: number, y0: number, x1: number, y1: number, h: number } {
  return {
    x0: Math.min(...ws.map(w => w.bbox.x0)),
    y0: Math.min(...ws.map(w => w.bbox.y0)),
    x1: Math.max(...ws.map(w => w.bbox.x1)),
    y1: Math.max(...ws.map(w => w.bbox.y1)),
    h: median(ws.map(w => w.bbox.y1 - w.bbox.y0))
  }
}

/**
 * Pieces taken left to right, each appended to a line it continues (same baseline, a word gap away) or starting
 * a new one: one pass, so a page the engine cut into single words costs no more than a well-read one.
 */
function joinOnBaseline (pieces: OcrWord[][]): OcrWord[][] {
  type Piece = ReturnType<typeof extent> & { words: OcrWord[] }
  const sorted: Piece[] = pieces.map(p => ({ words: p, ...extent(p) })).sort((a, b) => a.x0 - b.x0)
  // Each line is compared by its last piece, so a skewed line's drift does not make it swallow its neighbours.
  const lines: Array<{ words: OcrWord[], tail: Piece }> = []
  for (const piece of sorted) {
    const target = lines.find(({ tail }) => {
      const overlap = Math.min(tail.y1, piece.y1) - Math.max(tail.y0, piece.y0)
      const gap = piece.x0 - tail.x1
      return overlap >= 0.5 * Math.min(tail.h, piece.h) && gap <= JOIN_GAP * Math.max(tail.h, piece.h) && gap > -0.5 * piece.h
    })
    if (target) {
      target.words.push(...piece.words)
      target.tail = piece
    } else {
      lines.push({ words: [...piece.words], tail: piece })
    }
  }
  return lines.map(l => l.words.sort((p, q) => p.bbox.x0 - q.bbox.x0))
}

function makeLine (words: OcrWord[], page: number): Line {
  const starts: number[] = []
  let text = ''
  for (const w of words) {
    if (text !== '') text += ' '
    starts.push(text.length)
    text += w.text.normalize('NFC').replace(/\s+/gu, '')
  }
  const e = extent(words)
  return { page, words, text, folded: fold(text), starts, x0: e.x0, y0: e.y0, x1: e.x1, y1: e.y1, h: e.h, cx: (e.x0 + e.x1) / 2, cy: (e.y0 + e.y1) / 2 }
}

function leftMargin (lines: Line[]): number {
  const xs = lines.filter(l => l.words.length >= 2).map(l => l.x0).sort((a, b) => a - b)
  if (xs.length === 0) return lines.length ? Math.min(...lines.map(l => l.x0)) : 0
  return xs[Math.floor(xs.length * 0.2)]
}

/**
 * The sheet's centre: the image centre, unless a page full of text sits far off it (a sheet scanned shifted), then
 * the middle of the text's extent. A page holding only a signature block says nothing about the centre.
 */
function textCentre (lines: Line[], width: number): number {
  if (lines.length === 0) return width / 2
  const lo = Math.min(...lines.map(l => l.x0))
  const hi = Math.max(...lines.map(l => l.x1))
  const mid = (lo + hi) / 2
  return hi - lo > 0.6 * width && Math.abs(mid - width / 2) > 0.1 * width ? mid : width / 2
}

export function median (values: number[]): number {
  if (values.length === 0) return 0
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The words of a line that the text range [start, end) touches. */
export function wordsIn (line: Line, start: number, end: number): OcrWord[] {
  const out: OcrWord[] = []
  line.words.forEach((w, i) => {
    const ws = line.starts[i]
    const we = i + 1 < line.starts.length ? line.starts[i + 1] - 1 : line.text.length
    if (we > start && ws < end) out.push(w)
  })
  return out
}

/** Index of the word holding text offset `at` (or the next word after a space). */
export function wordAt (line: Line, at: number): number {
  for (let i = line.starts.length - 1; i >= 0; i--) if (line.starts[i] <= at) return i
  return 0
}

export interface Used {
  page: number
  words: OcrWord[]
}

/** One union box per page of the words used. */
export function boxesOf (used: Used[]): FieldBox[] {
  const byPage = new Map<number, OcrWord[]>()
  for (const u of used) {
    if (u.words.length === 0) continue
    byPage.set(u.page, [...(byPage.get(u.page) ?? []), ...u.words])
  }
  return [...byPage.entries()].sort((a, b) => a[0] - b[0]).map(([page, ws]) => {
    const e = extent(ws)
    return { page, x0: e.x0, y0: e.y0, x1: e.x1, y1: e.y1 }
  })
}

/** Mean OCR confidence of the words, 0..1. */
export function ocrConfidence (used: Used[]): number {
  const ws = used.flatMap(u => u.words)
  if (ws.length === 0) return 0
  return ws.reduce((n, w) => n + Math.max(0, Math.min(100, w.conf)), 0) / ws.length / 100
}
