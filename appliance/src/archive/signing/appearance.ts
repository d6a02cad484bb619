/**
 * What the "SAO Y" signature shows (NĐ 30/2020/NĐ-CP Phụ lục I; standards.md §2): at the top right of page 1, no
 * image, the lines `SAO Y`, the copying agency's name and the signing time in ISO 8601 with +07:00, in a
 * Times-metric serif (Tinos), 10 pt, regular, upright, black. The box is sized to the text: a long agency name
 * wraps at word boundaries. A test certificate adds a small bilingual line saying so. A verification QR code, drawn
 * as vector squares, sits just left of the block.
 */
import {
  beginText, endText, fill, popGraphicsState, pushGraphicsState, rectangle, setFillingGrayscaleColor, setFontAndSize,
  setTextMatrix, showText, type PDFFont, type PDFOperator
} from 'pdf-lib'
import QRCode from 'qrcode'

export const TEXT_SIZE = 10
export const NOTE_SIZE = 6
export const TEST_NOTE = 'CHỨNG THƯ THỬ NGHIỆM / test certificate'
const LEADING = 1.15
const PADDING = 2
/**
 * 2 mm from the page's top and right edges. With three lines the block is 38.5 pt (13.6 mm) tall, so it ends
 * about 15.5 mm from the top: inside the 20-25 mm top margin NĐ 30 gives a document, above the national motto.
 */
export const PAGE_MARGIN = 5.67
/** Agency names wrap beyond this width (a line of 10 pt capitals ≈ 40 characters). */
const MAX_TEXT_WIDTH = 220
const QR_GAP = 4
/**
 * The QR code is as tall as the block (it stays in the same band of the top margin), but never smaller than this:
 * 36 pt is 0.35 mm per module for a 33-module code with its quiet zone, 4 px per module in a 300 dpi scan of a print.
 */
const MIN_QR_SIDE = 36
/** Light modules around the code (the standard asks 4; 2 keeps it small, and the page margin is white). */
const QR_QUIET = 2

export interface BlockLine { text: string, size: number }

export interface SignatureBlock {
  lines: BlockLine[]
  width: number
  height: number
}

const round = (n: number): number => Math.round(n * 1000) / 1000

function wrap (text: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const words = text.split(/\s+/).filter(Boolean)
  const lines: string[] = []
  let current = ''
  for (const word of words) {
    const candidate = current === '' ? word : `${current} ${word}`
    if (current !== '' && font.widthOfTextAtSize(candidate, size) > maxWidth) {
      lines.push(current)
      current = word
    } else {
      current = candidate
    }
  }
  if (current !== '') lines.push(current)
  return lines
}

export function layoutBlock (font: PDFFont, agencyName: string, time: string, testCertificate: boolean): SignatureBlock {
  const lines: BlockLine[] = [
    { text: 'SAO Y', size: TEXT_SIZE },
    ...wrap(agencyName, font, TEXT_SIZE, MAX_TEXT_WIDTH).map(text => ({ text, size: TEXT_SIZE })),
    { text: time, size: TEXT_SIZE },
    ...(testCertificate ? [{ text: TEST_NOTE, size: NOTE_SIZE }] : [])
  ]
  // A single word longer than the limit widens the box instead of overflowing it.
  const textWidth = Math.max(...lines.map(l => font.widthOfTextAtSize(l.text, l.size)))
  const height = lines.reduce((h, l) => h + l.size * LEADING, 0)
  return { lines, width: round(textWidth + 2 * PADDING), height: round(height + 2 * PADDING) }
}

/** Content of the block's appearance stream (its BBox is [0 0 width height]); `fontKey` names the font there. */
export function blockOperators (block: SignatureBlock, font: PDFFont, fontKey: string): PDFOperator[] {
  const ops: PDFOperator[] = [pushGraphicsState(), setFillingGrayscaleColor(0), beginText()]
  let top = block.height - PADDING
  for (const line of block.lines) {
    const ascent = font.heightAtSize(line.size, { descender: false })
    const lineHeight = line.size * LEADING
    const baseline = top - (lineHeight - line.size) / 2 - ascent
    const x = (block.width - font.widthOfTextAtSize(line.text, line.size)) / 2
    ops.push(setFontAndSize(fontKey, line.size), setTextMatrix(1, 0, 0, 1, round(x), round(baseline)), showText(font.encodeText(line.text)))
    top -= lineHeight
  }
  ops.push(endText(), popGraphicsState())
  return ops
}

/** Where the block goes on a page of this size: [x1, y1, x2, y2]. */
export function blockRect (block: SignatureBlock, pageWidth: number, pageHeight: number): [number, number, number, number] {
  const x2 = pageWidth - PAGE_MARGIN
  const y2 = pageHeight - PAGE_MARGIN
  return [round(x2 - block.width), round(y2 - block.height), round(x2), round(y2)]
}

/**
 * Page-content operators that draw `text` as a QR code whose right edge is `gap` points left of `blockLeft`, top
 * aligned with `top`. Dark modules of a row are merged into one rectangle each run.
 */
export function qrOperators (text: string, blockLeft: number, top: number, blockHeight: number): { ops: PDFOperator[], rect: [number, number, number, number] } {
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules
  const n = modules.size
  const side = Math.max(MIN_QR_SIDE, blockHeight)
  const unit = side / (n + 2 * QR_QUIET)
  const x0 = blockLeft - QR_GAP - side
  const y0 = top - side
  const ops: PDFOperator[] = [pushGraphicsState(), setFillingGrayscaleColor(1), rectangle(round(x0), round(y0), round(side), round(side)), fill(), setFillingGrayscaleColor(0)]
  for (let row = 0; row < n; row++) {
    let col = 0
    while (col < n) {
      if (!modules.get(row, col)) { col++; continue }
      const start = col
      while (col < n && modules.get(row, col)) col++
      const x = x0 + (QR_QUIET + start) * unit
      const y = top - (QR_QUIET + row + 1) * unit
      // A hair wider and taller so that anti-aliased viewers show no seams between neighbouring modules.
      ops.push(rectangle(round(x), round(y), round((col - start) * unit + 0.02), round(unit + 0.02)))
    }
  }
  ops.push(fill(), popGraphicsState())
  return { ops, rect: [round(x0), round(y0), round(x0 + side), round(top)] }
}
