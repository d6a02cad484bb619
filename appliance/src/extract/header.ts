/**
 * The head of an administrative document as NĐ 30/2020 (Điều 8, Phụ lục I) lays it out: the issuing body in
 * capitals top-left with `Số: <number>/<notation>` under it; the national name and motto top-right with
 * `<place>, ngày .. tháng .. năm ....` under them; then, centred, the type name in capitals and the summary
 * (trích yếu) under it; or, for an official letter with no type name, `V/v ...` under the number.
 * Everything here is found by position first (columns, vertical order, centring) and by words second.
 */
import type { Reading } from './field.js'
import { median, wordsIn, type Line, type PageLayout } from './layout.js'
import { clean, findDates, fold, repairDigits, upperShare } from './text.js'

export interface Header {
  layout: PageLayout
  /** National name and motto lines (top-right). */
  motto: Line[]
  numberLine: Line | null
  dateLine: Line | null
  /** x dividing the left (issuer) column from the right (motto, date) column. */
  split: number
  /**
   * The axis the title is centred on: midway between the two header columns' centres when both were found (it
   * moves with a sheet scanned shifted), else the page's own estimate.
   */
  centre: number
  /** y where the header ends and the title (type, summary) can start. */
  bottom: number
  /** How much of the prescribed head was found (0..1), to choose the first page and weigh fields. */
  score: number
}

const NATIONAL = ['cong', 'hoa', 'xa', 'hoi', 'chu', 'nghia', 'viet', 'nam']
const MOTTO = ['doc', 'lap', 'tu', 'do', 'hanh', 'phuc']

/** Share of the key words present in the line, allowing one wrong letter in words of 4+ letters. */
function wordsShare (folded: string, keys: string[]): number {
  const tokens = folded.split(/[^a-z0-9]+/u).filter(Boolean)
  let found = 0
  for (const k of keys) {
    if (tokens.some(t => t === k || (k.length >= 4 && Math.abs(t.length - k.length) <= 1 && near(t, k)))) found++
  }
  return found / keys.length
}

function near (a: string, b: string): boolean {
  // Edit distance at most 1, without building the matrix.
  if (a === b) return true
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1)
  if (a.length > b.length) return a.slice(i + 1) === b.slice(i)
  return a.slice(i) === b.slice(i + 1)
}

export function isMottoLine (l: Line): boolean {
  return wordsShare(l.folded, NATIONAL) >= 0.6 || wordsShare(l.folded, MOTTO) >= 0.6
}

/**
 * `Số: 12/2019/QĐ-UBND`, `Số 12 /QĐ-UBND`, `So:1470/GPXD`: the label as a word of its own, then the number.
 * OCR reads the `ố` as `0`, or as `6` (then only with its colon).
 */
const NUMBER_LABEL = /^[^a-z0-9]{0,2}(s[o0](?=[\s:.;,]|[0-9])|s6(?=\s*:))[\s:.;,]*/u
/** A line that starts like the number's label, even when the rest is unreadable. */
const LABEL_LIKE = /^[^a-z0-9]{0,2}s\S{0,2}\s*:/u

export function findHeader (layout: PageLayout): Header {
  const { lines, height } = layout
  const top = lines.filter(l => l.y0 < height * 0.45)
  const motto = top.filter(l => l.y0 < height * 0.3 && isMottoLine(l))
  const national = motto.find(l => wordsShare(l.folded, NATIONAL) >= 0.6)
  const split = national ? national.x0 - 0.5 * national.h : layout.centre * 0.95

  const numberLine = top.find(l => l.cx < Math.max(split, layout.centre) && readNumber(l) !== null) ??
    top.find(l => readNumber(l) !== null) ?? null

  // The date sits under the motto, beside or just under the number; without either, in the top quarter.
  const anchors = [...motto, ...(numberLine ? [numberLine] : [])]
  const zone = anchors.length ? Math.max(...anchors.map(l => l.y1)) + 4 * layout.lineHeight : height * 0.25
  let dateLine: Line | null = null
  let best = -Infinity
  for (const l of top) {
    if (l.y0 > zone) continue
    const dates = findDates(l.folded)
    if (dates.length === 0) continue
    const s = dateScore(l, dates[0].start, split, numberLine)
    if (s > -1 && s > best) { best = s; dateLine = l }
  }

  const leftColumn = top.filter(l => l.cx < split && l.y1 <= (numberLine ? numberLine.y1 : height * 0.2) && upperShare(l.text).share >= 0.6)
  const centre = national && leftColumn.length ? (median(leftColumn.map(l => l.cx)) + national.cx) / 2 : layout.centre

  const parts = [...motto, ...(numberLine ? [numberLine] : []), ...(dateLine ? [dateLine] : [])]
  const bottom = parts.length ? Math.max(...parts.map(l => l.y1)) : height * 0.2
  const score = (national ? 0.3 : 0) + (motto.length > (national ? 1 : 0) ? 0.1 : 0) + (numberLine ? 0.3 : 0) + (dateLine ? 0.3 : 0)
  return { layout, motto, numberLine, dateLine, split, centre, bottom, score }
}

/** What precedes the date in `<place>, ngày ...` (or `<place>, 24/02/2018`, `<place>, ngày 24/02/2018`). */
const PLACE_BEFORE = /[a-z]\s*,\s*(n\s?g\s?a\s?y\s*)?$/u

function dateScore (l: Line, at: number, split: number, numberLine: Line | null): number {
  let s = 0
  const before = l.folded.slice(0, at)
  if (PLACE_BEFORE.test(before)) s += 2 // "<place>, ngày ..."
  if (l.cx > split) s += 1
  if (numberLine && Math.abs(l.cy - numberLine.cy) < 3 * l.h) s += 1
  if (/^\W*(can cu|theo|xet|ngay,)/u.test(l.folded)) s -= 3
  return s - l.y0 / 100000
}

interface NumberRead {
  value: string
  start: number
  end: number
  repaired: boolean
}

/** The number and notation after `Số`, spaces around `/` and `-` removed, look-alike digits repaired. */
export function readNumber (l: Line): NumberRead | null {
  const label = NUMBER_LABEL.exec(l.folded)
  if (!label) return null
  const start = label[0].length
  const kept: string[] = []
  for (const raw of l.text.slice(start).split(' ')) {
    const t = raw.replace(/[–—_]/gu, '-')
    if (t === '') continue
    // A number is digits, capitals, '/', '-' and '.'; a word in lower case or a new label ends it.
    if (!/^[\p{L}\d./-]+[.,;]?$/u.test(t)) break
    const letters = upperShare(t)
    if (letters.letters > 0 && letters.share < 0.6 && !looksNumeric(t)) break
    kept.push(t)
  }
  // A certificate's series and serial (`CS 74413`, `BĐ 123456`): capitals, then the digits, kept apart.
  if (kept.length >= 2 && /^\p{Lu}{1,3}$/u.test(kept[0]) && /^\d{4,}$/u.test(kept[1])) {
    return { value: `${kept[0]} ${kept[1]}`, start, end: start + kept[0].length + 1 + kept[1].length, repaired: false }
  }
  // "Số CCCD: ...", "Số định danh ...", "Số: ..../QĐ" (a blank form) hold no number.
  if (kept.length === 0 || !/^[0-9oOlI|]*[0-9]/u.test(kept[0])) return null
  const fixed = repairNumber(kept.join('').replace(/[.,;]+$/u, ''))
  if (!/[0-9]/u.test(fixed.value)) return null
  return { value: fixed.value, start, end: start + kept.join(' ').length, repaired: fixed.repaired }
}

function looksNumeric (t: string): boolean {
  return repairDigits(t.split('/')[0]) !== null
}

/**
 * Notation abbreviations that hold a Đ (Phụ lục III), often read without it; each spelling without the stroke
 * means nothing else (HD is left alone: hướng dẫn, while HĐ is hợp đồng).
 */
const WITH_D_STROKE: Record<string, string> = { QD: 'QĐ', ND: 'NĐ', HDND: 'HĐND', QDND: 'QĐND' }

function repairNumber (value: string): { value: string, repaired: boolean } {
  let repaired = false
  const parts = value.split('/').map((part, i) => {
    const digits = repairDigits(part)
    if (digits !== null && (i === 0 || /^\d{4}$/u.test(digits))) {
      if (digits !== part) repaired = true
      return digits
    }
    return part.split('-').map(p => {
      const up = p.toUpperCase()
      if (WITH_D_STROKE[up] && p !== WITH_D_STROKE[up]) { repaired = true; return WITH_D_STROKE[up] }
      return p
    }).join('-')
  })
  return { value: parts.join('/'), repaired }
}

export function numberField (h: Header): Reading | null {
  const l = h.numberLine
  if (!l) return null
  const n = readNumber(l)
  if (!n) return null
  let structure = l.cx < h.split ? 1 : 0.85
  if (n.repaired) structure *= 0.9
  return { value: n.value, used: [{ page: l.page, words: wordsIn(l, n.start, n.end) }], structure, ...(n.repaired ? { warnings: ['OCR_REPAIRED'] } : {}) }
}

export function dateField (h: Header): Reading | null {
  const l = h.dateLine
  if (!l) return null
  const d = findDates(l.folded)[0]
  const placed = PLACE_BEFORE.test(l.folded.slice(0, d.start))
  const structure = (placed ? 1 : 0.85) * (l.cx > h.split ? 1 : 0.9)
  return { value: d.iso, used: [{ page: l.page, words: wordsIn(l, d.start, d.end) }], structure }
}

/**
 * Some results (certificates, extracts) print `<place>, ngày ...` above the signature instead of under the motto:
 * when the head has no date, the first such line right of the centre on any page.
 */
export function placeDateField (layouts: PageLayout[]): Reading | null {
  for (const layout of layouts) {
    for (const l of layout.lines) {
      if (l.cx <= layout.centre) continue
      const d = findDates(l.folded).find(m => PLACE_BEFORE.test(l.folded.slice(0, m.start)))
      if (d) return { value: d.iso, used: [{ page: l.page, words: wordsIn(l, d.start, d.end) }], structure: 0.85 }
    }
  }
  return null
}

/** The issuing body: the capital lines of the left column above the number (the parent body first, if any). */
export function issuerField (h: Header): Reading | null {
  const limit = h.numberLine ? h.numberLine.y0 + 0.3 * h.numberLine.h : h.bottom
  const candidates = h.layout.lines.filter(l =>
    l.y1 <= limit + 0.3 * l.h && l.cx < h.split && !h.motto.includes(l) && l !== h.numberLine &&
    l.y0 < h.layout.height * 0.35 && nameOfBody(l))
  if (candidates.length === 0) return null
  // The block that ends just above the number: stop at a gap wider than two lines.
  candidates.sort((a, b) => a.cy - b.cy)
  let block = [candidates[candidates.length - 1]]
  for (let i = candidates.length - 2; i >= 0 && block.length < 4; i--) {
    const gap = block[0].y0 - candidates[i].y1
    if (gap > 2.5 * candidates[i].h) break
    block = [candidates[i], ...block]
  }
  const texts = block.map(l => clean(l.text.replace(/[_=~*]+/gu, ' ').replace(/^[-–—.,:\s]+|[-–—.,:\s]+$/gu, ''))).filter(Boolean)
  if (texts.length === 0) return null
  const structure = h.numberLine ? 1 : 0.8
  return { value: texts.join(' '), used: block.map(l => ({ page: l.page, words: l.words })), structure }
}

/**
 * A line that can be part of a body's name: capitals, few digits, no label, and read with some confidence (an
 * unreadable number line is garbage in capitals, not a third line of the name).
 */
function nameOfBody (l: Line): boolean {
  const u = upperShare(l.text)
  if (u.letters < 2 || u.share < 0.6 || l.text.includes(':') || LABEL_LIKE.test(l.folded)) return false
  const digits = (l.text.match(/[0-9]/gu) ?? []).length
  if (digits > 0.2 * l.text.replace(/\s/gu, '').length) return false
  return l.words.reduce((n, w) => n + w.conf, 0) / l.words.length >= 40
}

/** Centred: near the sheet's centre and clearly indented from the left margin. */
function centred (l: Line, h: Header): boolean {
  return Math.abs(l.cx - h.centre) <= 0.1 * h.layout.width && l.x0 > h.layout.left + 1.2 * l.h
}

const SUMMARY_START = /^\W*(v\s*\/\s*v|ve viec)\b/u

export interface Title {
  type: Reading | null
  summary: Reading | null
}

/**
 * The title under the header: the type name (centred capitals, possibly on two lines) and the summary under it
 * (centred, or starting `Về việc`/`V/v`). Reading stops at the first body line.
 */
export function titleFields (h: Header): Title {
  const { layout } = h
  const after = layout.lines.filter(l => l.y0 >= h.bottom - 0.2 * l.h && !h.motto.includes(l) && l !== h.numberLine && l !== h.dateLine)
  let typeLines: Line[] = []
  let i = 0
  for (; i < after.length && i < 12; i++) {
    const l = after[i]
    const u = upperShare(l.text)
    if (u.letters === 0) continue
    if (u.letters >= 4 && u.share >= 0.7 && centred(l, h) && !/:\s*$/u.test(l.text)) {
      typeLines = [l]
      break
    }
    if (!centred(l, h) && l.cx <= h.split) break
  }
  if (typeLines.length === 0) return { type: null, summary: letterSummary(h) }
  for (i = i + 1; i < after.length && typeLines.length < 3; i++) {
    const prev = typeLines[typeLines.length - 1]
    const l = after[i]
    const u = upperShare(l.text)
    if (u.share < 0.7 || u.letters < 2 || !centred(l, h) || l.y0 - prev.y1 > 1.0 * prev.h || l.h < 0.7 * prev.h || l.h > 1.4 * prev.h) break
    typeLines.push(l)
  }
  const typeText = clean(typeLines.map(l => l.text).join(' ').replace(/[.:;,]+$/u, ''))
  const known = KNOWN_TYPES.some(k => fold(typeText).startsWith(k))
  const type: Reading = { value: typeText, used: typeLines.map(l => ({ page: l.page, words: l.words })), structure: known ? 1 : 0.85 }

  const summaryLines: Line[] = []
  for (; i < after.length && summaryLines.length < 4; i++) {
    const prev = summaryLines.length ? summaryLines[summaryLines.length - 1] : typeLines[typeLines.length - 1]
    const l = after[i]
    if (l.y0 - prev.y1 > (summaryLines.length ? 1.2 : 2.5) * Math.max(prev.h, l.h)) break
    const u = upperShare(l.text)
    const explicit = summaryLines.length === 0 && SUMMARY_START.test(l.folded)
    if (!explicit && (u.share >= 0.7 || !centred(l, h))) break
    summaryLines.push(l)
  }
  const summary: Reading | null = summaryLines.length
    ? { value: clean(summaryLines.map(l => l.text).join(' ')), used: summaryLines.map(l => ({ page: l.page, words: l.words })), structure: 1 }
    : null
  return { type, summary }
}

/** An official letter's `V/v ...` under its number, in the left column. */
function letterSummary (h: Header): Reading | null {
  const lines = h.layout.lines.filter(l => l.cx < h.split && (!h.numberLine || l.y0 >= h.numberLine.y1 - 0.2 * l.h) && l.y0 < h.layout.height * 0.4)
  const first = lines.findIndex(l => SUMMARY_START.test(l.folded))
  if (first < 0) return null
  const used = [lines[first]]
  for (let i = first + 1; i < lines.length && used.length < 4; i++) {
    const prev = used[used.length - 1]
    if (lines[i].y0 - prev.y1 > 1.0 * prev.h || Math.abs(lines[i].x0 - prev.x0) > 4 * prev.h) break
    used.push(lines[i])
  }
  return { value: clean(used.map(l => l.text).join(' ')), used: used.map(l => ({ page: l.page, words: l.words })), structure: 0.9 }
}

/** Type names of Điều 7 and common results (folded prefixes): a match raises confidence, nothing more. */
const KNOWN_TYPES = [
  'nghi quyet', 'quyet dinh', 'chi thi', 'quy che', 'quy dinh', 'thong cao', 'thong bao', 'huong dan', 'chuong trinh',
  'ke hoach', 'phuong an', 'de an', 'du an', 'bao cao', 'bien ban', 'to trinh', 'hop dong', 'cong dien', 'ban ghi nho',
  'ban thoa thuan', 'giay uy quyen', 'giay moi', 'giay gioi thieu', 'giay nghi phep', 'phieu gui', 'phieu chuyen',
  'phieu bao', 'thu cong', 'giay phep', 'giay chung nhan', 'giay xac nhan', 'trich luc', 'ban sao', 'chung chi',
  'giay khai sinh', 'giay chung tu', 'so ', 'the '
]
