/** Turns tesseract.js' block tree into sohoa's flat word list, everything NFC. */
import type Tesseract from 'tesseract.js'
import type { OcrWord } from './types.js'

export function wordsOf (blocks: Tesseract.Block[] | null): OcrWord[] {
  const words: OcrWord[] = []
  let par = 0
  let line = 0
  ;(blocks ?? []).forEach((b, block) => {
    for (const p of b.paragraphs) {
      for (const l of p.lines) {
        for (const w of l.words) {
          const text = w.text.normalize('NFC').trim()
          if (text === '') continue
          words.push({
            text,
            conf: Math.round(w.confidence * 10) / 10,
            bbox: { x0: w.bbox.x0, y0: w.bbox.y0, x1: w.bbox.x1, y1: w.bbox.y1 },
            block,
            par,
            line
          })
        }
        line++
      }
      par++
    }
  })
  return words
}
