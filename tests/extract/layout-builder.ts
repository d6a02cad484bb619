/**
 * Synthetic OCR pages for extraction tests: lines of text placed on an A4 page at 300 dpi the way Tesseract would
 * report them (one box per word, a line number per line), with optional skew, per-word confidence and lines the
 * engine joined or split.
 */
import type { OcrWord, PageText } from '../../appliance/src/store/types.js'

export const A4 = { width: 2481, height: 3508 }
/** Type height of body text at 300 dpi (13 pt) and the advance of one character. */
export const H = 50
const CHAR = 0.5
const SPACE = 0.35

export interface LineSpec {
  text: string
  /** Left edge, or centre when `align` is 'centre'. */
  x: number
  /** Top of the line. */
  y: number
  align?: 'left' | 'centre'
  h?: number
  /** Confidence of every word (default 95), or one per word. */
  conf?: number | number[]
  /** Give this line the engine line number of the previous spec (the engine joined them). */
  sameLineAsPrevious?: boolean
}

export interface PageOptions {
  /** Degrees, positive = text rising to the right (not corrected). */
  skewDeg?: number
  width?: number
  height?: number
  /** Every word on an engine line of its own (an engine that lost the line grouping). */
  wordLines?: boolean
}

export function page (specs: LineSpec[], opts: PageOptions = {}): PageText {
  const width = opts.width ?? A4.width
  const height = opts.height ?? A4.height
  const tan = Math.tan(((opts.skewDeg ?? 0) * Math.PI) / 180)
  const words: OcrWord[] = []
  let line = -1
  specs.forEach((s, i) => {
    if (!(s.sameLineAsPrevious && i > 0)) line++
    const h = s.h ?? H
    const parts = s.text.split(' ').filter(Boolean)
    const total = parts.reduce((n, w) => n + Array.from(w).length * CHAR * h, 0) + (parts.length - 1) * SPACE * h
    let x = s.align === 'centre' ? s.x - total / 2 : s.x
    parts.forEach((w, k) => {
      if (opts.wordLines && k > 0) line++
      const wWidth = Array.from(w).length * CHAR * h
      const cx = x + wWidth / 2
      const dy = -(cx - width / 2) * tan
      const conf = Array.isArray(s.conf) ? (s.conf[k] ?? 95) : (s.conf ?? 95)
      words.push({
        text: w,
        conf,
        bbox: { x0: Math.round(x), y0: Math.round(s.y + dy), x1: Math.round(x + wWidth), y1: Math.round(s.y + dy + h) },
        block: line,
        par: line,
        line
      })
      x += wWidth + SPACE * h
    })
  })
  const text = specs.map(s => s.text).join('\n')
  const confidence = words.length ? words.reduce((n, w) => n + w.conf, 0) / words.length : 0
  return { text, confidence, words, width, height }
}

export interface DocumentSpec {
  issuer?: string[]
  number?: string | null
  place?: string | null
  /** The whole date line; overrides place. */
  dateLine?: string | null
  national?: boolean
  type?: string[]
  summary?: string[]
  body?: string[]
  signature?: string[]
  signer?: string | null
  /** Lines put on the left at the height of the signature block. */
  recipients?: string[]
  /** Lines between the title and the name (marks OCR read from the signature stroke). */
  stroke?: string[]
}

const LEFT_COLUMN = 750
const RIGHT_COLUMN = 1740
const CENTRE = A4.width / 2
const MARGIN = 480

/** The lines of one administrative document laid out as NĐ 30/2020 prescribes. */
export function documentLines (d: DocumentSpec): LineSpec[] {
  const lines: LineSpec[] = []
  const issuer = d.issuer ?? ['ỦY BAN NHÂN DÂN', 'HUYỆN IA GRAI']
  let y = 210
  if (d.national !== false) {
    lines.push({ text: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', x: RIGHT_COLUMN, y, align: 'centre' })
    lines.push({ text: 'Độc lập - Tự do - Hạnh phúc', x: RIGHT_COLUMN, y: y + 85, align: 'centre' })
  }
  issuer.forEach((t, i) => lines.push({ text: t, x: LEFT_COLUMN, y: y + i * 75, align: 'centre' }))
  y += Math.max(2, issuer.length) * 75 + 20
  if (d.number !== null) lines.push({ text: d.number ?? 'Số: 12/2019/QĐ-UBND', x: LEFT_COLUMN, y, align: 'centre' })
  const date = d.dateLine !== undefined ? d.dateLine : (d.place === null ? null : `${d.place ?? 'Ia Grai'}, ngày 05 tháng 03 năm 2019`)
  if (date !== null) lines.push({ text: date, x: RIGHT_COLUMN, y: y + 30, align: 'centre' })
  y += 190
  for (const t of d.type ?? ['QUYẾT ĐỊNH']) { lines.push({ text: t, x: CENTRE, y, align: 'centre', h: 60 }); y += 80 }
  for (const t of d.summary ?? ['Về việc thu hồi đất của hộ ông (bà) Nguyễn Văn An']) { lines.push({ text: t, x: CENTRE, y, align: 'centre' }); y += 75 }
  y += 80
  for (const t of d.body ?? ['Căn cứ Luật Đất đai ngày 29 tháng 11 năm 2013;', 'Điều 1. Thu hồi 200 m2 đất của hộ ông (bà) Nguyễn Văn An, CCCD số 064085012345,', 'tại thửa đất số 12, tờ bản đồ số 3.']) {
    lines.push({ text: t, x: MARGIN, y })
    y += 87
  }
  y += 120
  const sigTop = y
  for (const t of d.signature ?? ['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']) { lines.push({ text: t, x: RIGHT_COLUMN, y, align: 'centre', h: 56 }); y += 75 }
  ;(d.recipients ?? []).forEach((t, i) => lines.push({ text: t, x: MARGIN, y: sigTop + i * 60, h: 40 }))
  ;(d.stroke ?? []).forEach((t, i) => lines.push({ text: t, x: RIGHT_COLUMN, y: y + 60 + i * 70, align: 'centre', h: 45, conf: 30 }))
  if (d.signer !== null) lines.push({ text: d.signer ?? 'Trần Thị Bình', x: RIGHT_COLUMN, y: y + 300, align: 'centre', h: 56 })
  return lines
}

export function documentPage (d: DocumentSpec = {}, opts: PageOptions = {}): PageText {
  return page(documentLines(d), opts)
}
