/**
 * Renders separator sheets: an A4 PDF, one page per record, each with a large vector QR code (the signal the
 * scanner side looks for) and the same codes in words for the people handling the paper.
 *
 * QR choices: error correction Q (a quarter of the symbol can be stained, stamped or torn and it still reads), and
 * modules of at least 1.2 mm in a symbol of at least 70 mm. A typical payload (~110 characters) is a 49-module symbol:
 * 5.6 px per module even on the 100 dpi copy the detector reads, where zxing needs about 3; the longest payload the
 * rules allow (~400 characters, 81 modules) still fits the page at 97 mm.
 */
import { PDFDocument, fill, popGraphicsState, pushGraphicsState, rectangle, setFillingGrayscaleColor, type PDFFont, type PDFPage } from 'pdf-lib'
import QRCode from 'qrcode'
import { fontkitForPdfLib, tinosFonts } from '../fonts/index.js'
import { LABELS, type SheetLabels, type SheetLanguage } from './labels.js'
import { encodeSeparator, type SeparatorInfo } from './payload.js'

export interface SheetOptions {
  /**
   * The unit's name printed at the top (e.g. `Thành phố Pleiku`): one name for every sheet, or names by unit code
   * for sheets of several units. Without a name the sheet shows the unit code only.
   */
  unitName?: string | Readonly<Record<string, string>>
  language: SheetLanguage
}

const MM = 72 / 25.4
const A4 = { width: 210 * MM, height: 297 * MM }
export const QR_MIN_SIDE_MM = 70
export const QR_MIN_MODULE_MM = 1.2
const QR_ERROR_CORRECTION = 'Q'
const MARGIN_MM = 20

interface Fonts { regular: PDFFont, bold: PDFFont }

/** One A4 page per sheet, in order. Throws a RangeError when a sheet's info breaks the payload rules. */
export async function renderSeparatorSheets (sheets: SeparatorInfo[], opts: SheetOptions): Promise<Uint8Array> {
  const labels = LABELS[opts.language]
  if (!labels) throw new RangeError(`unknown language ${String(opts.language)}`)
  if (sheets.length === 0) throw new RangeError('no sheets to render')
  const payloads = sheets.map(encodeSeparator) // validates every sheet before any work

  const doc = await PDFDocument.create({ updateMetadata: false })
  doc.registerFontkit(fontkitForPdfLib)
  const bytes = await tinosFonts()
  const fonts: Fonts = {
    regular: await doc.embedFont(bytes.regular, { subset: true }),
    bold: await doc.embedFont(bytes.bold, { subset: true })
  }
  doc.setTitle(nfc(labels.title))
  doc.setCreator('sohoa')
  doc.setProducer('sohoa')
  doc.setLanguage(opts.language)

  sheets.forEach((info, i) => {
    const page = doc.addPage([A4.width, A4.height])
    drawSheet(page, fonts, labels, info, payloads[i], nameOf(opts.unitName, info.unit), { n: i + 1, total: sheets.length })
  })
  return await doc.save({ useObjectStreams: false })
}

function drawSheet (page: PDFPage, fonts: Fonts, labels: SheetLabels, info: SeparatorInfo, payload: string,
  unitName: string | undefined, count: { n: number, total: number }): void {
  const contentWidth = A4.width - 2 * MARGIN_MM * MM
  let top = 15 // mm from the top edge, advanced as the sheet is laid out

  const heading = unitName ?? `${labels.unit} ${info.unit}`
  centred(page, fonts.bold, heading, 14, top, contentWidth)
  top += 13
  centred(page, fonts.bold, labels.title, 26, top, contentWidth)
  // Well clear of the title: a QR code needs a quiet zone of 4 modules (~6 mm here) on every side.
  top += 20

  const side = drawQr(page, payload, top)
  top += side + 10

  const rows: Array<[string, string | null | undefined]> = [
    [labels.unit, unitName !== undefined ? `${info.unit} · ${unitName}` : info.unit],
    [labels.dossierCode, info.dossierCode],
    [labels.procedureCode, info.procedureCode],
    [labels.resultTypeCode, info.resultTypeCode],
    [labels.box, info.box],
    [labels.file, info.file],
    [labels.inventoryFileId, info.inventoryFileId]
  ]
  const labelX = 25 * MM
  const valueX = 82 * MM
  const valueWidth = A4.width - 20 * MM - valueX
  for (const [label, value] of rows) {
    text(page, fonts.bold, `${label}:`, 13, labelX, top, valueX - labelX - 2 * MM)
    text(page, fonts.regular, value ?? labels.none, 13, valueX, top, valueWidth)
    top += 8
  }

  top += 6
  text(page, fonts.bold, `${labels.instructionsHeading}:`, 12, labelX, top, contentWidth)
  top += 6.5
  const instructionX = labelX + 5 * MM
  for (const instruction of labels.instructions) {
    text(page, fonts.regular, '•', 12, labelX + 1 * MM, top, 4 * MM)
    for (const line of wrap(fonts.regular, instruction, 12, A4.width - 20 * MM - instructionX)) {
      text(page, fonts.regular, line, 12, instructionX, top, A4.width)
      top += 6
    }
  }

  text(page, fonts.regular, `${labels.sheetOf(count.n, count.total)} · sohoa`, 9, MARGIN_MM * MM, 287, contentWidth)
}

function nameOf (names: SheetOptions['unitName'], unit: string): string | undefined {
  const name = typeof names === 'string' ? names : names?.[unit]
  return name !== undefined && name.trim() !== '' ? name.trim() : undefined
}

/** Draws the QR code centred below `topMm`; returns its side in mm. */
function drawQr (page: PDFPage, payload: string, topMm: number): number {
  const qr = QRCode.create(payload, { errorCorrectionLevel: QR_ERROR_CORRECTION })
  const n = qr.modules.size
  const sideMm = Math.max(QR_MIN_SIDE_MM, n * QR_MIN_MODULE_MM)
  const moduleSize = sideMm * MM / n
  const left = (A4.width - sideMm * MM) / 2
  const top = A4.height - topMm * MM
  const ops = [pushGraphicsState(), setFillingGrayscaleColor(0)]
  // Horizontal runs of dark modules as single rectangles: fewer operators, and no hairline seams between modules.
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!qr.modules.get(r, c)) continue
      let end = c
      while (end + 1 < n && qr.modules.get(r, end + 1)) end++
      ops.push(rectangle(left + c * moduleSize, top - (r + 1) * moduleSize, (end - c + 1) * moduleSize, moduleSize))
      c = end
    }
  }
  ops.push(fill(), popGraphicsState())
  page.pushOperators(...ops)
  return sideMm
}

/** Text whose top is `topMm` below the page's top edge, shrunk (down to 7 pt) to fit `maxWidth` points. */
function text (page: PDFPage, font: PDFFont, s: string, size: number, x: number, topMm: number, maxWidth: number): void {
  const t = nfc(s)
  const fitted = fitSize(font, t, size, maxWidth)
  page.drawText(t, { x, y: A4.height - topMm * MM - font.heightAtSize(fitted, { descender: false }), size: fitted, font })
}

function centred (page: PDFPage, font: PDFFont, s: string, size: number, topMm: number, maxWidth: number): void {
  const t = nfc(s)
  const fitted = fitSize(font, t, size, maxWidth)
  const x = (A4.width - font.widthOfTextAtSize(t, fitted)) / 2
  page.drawText(t, { x, y: A4.height - topMm * MM - font.heightAtSize(fitted, { descender: false }), size: fitted, font })
}

function fitSize (font: PDFFont, s: string, size: number, maxWidth: number): number {
  const width = font.widthOfTextAtSize(s, size)
  return width <= maxWidth ? size : Math.max(7, size * maxWidth / width)
}

function wrap (font: PDFFont, s: string, size: number, maxWidth: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of nfc(s).split(' ')) {
    const next = line === '' ? word : `${line} ${word}`
    if (line !== '' && font.widthOfTextAtSize(next, size) > maxWidth) {
      lines.push(line)
      line = word
    } else {
      line = next
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

// pdf-lib does no mark positioning: decomposed Vietnamese would print loose combining marks.
function nfc (s: string): string {
  return s.normalize('NFC')
}
