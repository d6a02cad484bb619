/**
 * The invisible text layer (render mode 3) that makes a scanned page searchable and selectable.
 *
 * Each OCR line gets one font size, from the height of its words, and one baseline. Each word is placed at its own
 * box's left edge and squeezed horizontally (Tz) to its box's width, so selection and search hits fall on the ink.
 * Boxes come from the prepared image: they are scaled back to the master and turned back by the page's skew
 * (words stay upright: a skew of a degree or two moves a word's ends by a pixel or two, while upright text is what
 * every text extractor groups best).
 */
import {
  beginText, endText, popGraphicsState, pushGraphicsState, setCharacterSqueeze, setFontAndSize, setTextMatrix,
  setTextRenderingMode, showText, TextRenderingMode, type PDFFont, type PDFName, type PDFOperator
} from 'pdf-lib'
import type { ArchivalWord, WordsSpace } from './types.js'

/** A word ready to draw: its text already reduced to what the font can show. */
export interface DrawableWord {
  text: string
  bbox: ArchivalWord['bbox']
  line: string
}

export interface PageGeometry {
  /** The master as seen (oriented), pixels. */
  widthPx: number
  heightPx: number
  dpi: number
  heightPt: number
}

const round = (n: number): number => Math.round(n * 1000) / 1000

export function lineKeyOf (w: ArchivalWord, index: number): string {
  return w.line === undefined ? `w${index}` : `${w.block ?? 0}.${w.par ?? 0}.${w.line}`
}

export function textLayerOperators (words: readonly DrawableWord[], space: WordsSpace, page: PageGeometry, font: PDFFont, fontKey: PDFName): PDFOperator[] {
  if (words.length === 0 || space.width <= 0 || space.height <= 0) return []
  const k = 72 / page.dpi
  const sx = page.widthPx / space.width
  const sy = page.heightPx / space.height
  const theta = ((space.skewDeg ?? 0) * Math.PI) / 180
  const cos = Math.cos(theta)
  const sin = Math.sin(theta)
  const cx = page.widthPx / 2
  const cy = page.heightPx / 2
  // Undoes the clockwise turn (y downwards) that straightened the page before OCR.
  const toMaster = (x: number, y: number): [number, number] => {
    const dx = x - cx
    const dy = y - cy
    return [cx + dx * cos + dy * sin, cy - dx * sin + dy * cos]
  }
  const toPage = ([x, y]: [number, number]): [number, number] => [x * k, page.heightPt - y * k]

  const emHeight = font.heightAtSize(1)
  const emDescent = emHeight - font.heightAtSize(1, { descender: false })
  const lines = new Map<string, DrawableWord[]>()
  for (const w of words) {
    const list = lines.get(w.line)
    if (list) list.push(w)
    else lines.set(w.line, [w])
  }

  const ops: PDFOperator[] = [pushGraphicsState(), beginText(), setTextRenderingMode(TextRenderingMode.Invisible)]
  for (const line of lines.values()) {
    const top = Math.min(...line.map(w => w.bbox.y0)) * sy
    const bottom = Math.max(...line.map(w => w.bbox.y1)) * sy
    const sizePx = Math.max(1, bottom - top) / emHeight
    const size = round(Math.max(1, sizePx * k))
    const baseline = bottom - emDescent * sizePx
    ops.push(setFontAndSize(fontKey, size))
    for (const w of line) {
      const [ax, ay] = toPage(toMaster(w.bbox.x0 * sx, baseline))
      const [bx, by] = toPage(toMaster(w.bbox.x1 * sx, baseline))
      const width = Math.hypot(bx - ax, by - ay)
      const natural = font.widthOfTextAtSize(w.text, size)
      if (!(natural > 0) || !(width > 0)) continue
      ops.push(
        setCharacterSqueeze(round((100 * width) / natural)),
        setTextMatrix(1, 0, 0, 1, round(ax), round(ay)),
        showText(font.encodeText(w.text))
      )
    }
  }
  ops.push(endText(), popGraphicsState())
  return ops
}
