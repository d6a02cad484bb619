/**
 * Puts a record together as one PDF/A-2b file: per page the master image at its scanned size with the invisible
 * OCR text over it; then the metadata, the sRGB output intent and the file identifier. PDF/A-2b items that pdf-lib
 * would break are handled here: no object streams, no pdf-lib Producer or UTC dates (`updateMetadata: false`).
 */
import { createHash } from 'node:crypto'
import { concatTransformationMatrix, drawObject, PDFDocument, popGraphicsState, pushGraphicsState, type PDFFont } from 'pdf-lib'
import { AppError } from '../../errors/index.js'
import { addOutputIntent } from './colour.js'
import { drawableText, embedTinos } from './fonts.js'
import { embedMaster, type EmbeddedMaster } from './images.js'
import { applyMetadata } from './metadata.js'
import { lineKeyOf, textLayerOperators, type DrawableWord } from './text-layer.js'
import type { ArchivalPage, ArchivalPdfInput } from './types.js'

function validate (input: ArchivalPdfInput): void {
  const problems: string[] = []
  if (!Array.isArray(input.pages) || input.pages.length === 0) problems.push('pages: at least one page')
  input.pages?.forEach((p, i) => {
    if (!(p.image instanceof Uint8Array) || p.image.length === 0) problems.push(`pages[${i}].image: bytes`)
    if (!(typeof p.dpi === 'number' && Number.isFinite(p.dpi) && p.dpi >= 10 && p.dpi <= 4800)) problems.push(`pages[${i}].dpi: 10-4800`)
    const s = p.wordsSpace
    if (s && !(s.width > 0 && s.height > 0)) problems.push(`pages[${i}].wordsSpace: positive width and height`)
  })
  const m = input.metadata
  for (const key of ['title', 'agency', 'archiveId'] as const) {
    if (typeof m?.[key] !== 'string' || m[key].trim() === '') problems.push(`metadata.${key}: non-empty text`)
  }
  if (typeof input.producer !== 'string' || input.producer.trim() === '') problems.push('producer: non-empty text')
  if (input.createdAt !== undefined && !(input.createdAt instanceof Date && Number.isFinite(input.createdAt.getTime()))) problems.push('createdAt: a valid Date')
  if (problems.length > 0) throw new AppError('VALIDATION', { problems })
}

async function drawableWords (page: ArchivalPage): Promise<DrawableWord[]> {
  const out: DrawableWord[] = []
  for (const [i, w] of (page.words ?? []).entries()) {
    const b = w?.bbox
    if (typeof w?.text !== 'string' || !b || !(b.x1 > b.x0 && b.y1 > b.y0)) continue
    const text = (await drawableText(w.text)).trim()
    if (text !== '') out.push({ text, bbox: b, line: lineKeyOf(w, i) })
  }
  return out
}

/** Builds the unsigned archival PDF of a record (see ArchivalPdfInput). */
export async function buildArchivalPdf (input: ArchivalPdfInput): Promise<Uint8Array> {
  validate(input)
  const when = input.createdAt ?? new Date()
  const doc = await PDFDocument.create({ updateMetadata: false })
  const digest = createHash('sha256')
  const masters: EmbeddedMaster[] = []
  const words: DrawableWord[][] = []
  for (const [i, page] of input.pages.entries()) {
    // One page at a time: a re-encoded 600 dpi master is large, and sharp already uses every core for one.
    masters.push(await embedMaster(doc, page.image, page.dpi, i + 1))
    words.push(await drawableWords(page))
    digest.update(createHash('sha256').update(page.image).digest())
  }
  const allText = words.flatMap(list => list.map(w => w.text))
  const font: PDFFont | null = allText.length > 0 ? await embedTinos(doc, allText) : null

  for (const [i, page] of input.pages.entries()) {
    const master = masters[i]
    const pdfPage = doc.addPage([master.widthPt, master.heightPt])
    const imageName = pdfPage.node.newXObject('Scan', master.ref)
    pdfPage.pushOperators(pushGraphicsState(), concatTransformationMatrix(...master.matrix), drawObject(imageName), popGraphicsState())
    if (font !== null && words[i].length > 0) {
      const fontKey = pdfPage.node.newFontDictionary(font.name, font.ref)
      const space = page.wordsSpace ?? { width: master.widthPx, height: master.heightPx }
      pdfPage.pushOperators(...textLayerOperators(words[i], space, { widthPx: master.widthPx, heightPx: master.heightPx, dpi: page.dpi, heightPt: master.heightPt }, font, fontKey))
    }
  }

  applyMetadata(doc, input.metadata, input.producer, when, digest.digest('hex'))
  await addOutputIntent(doc)
  return await doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false })
}
