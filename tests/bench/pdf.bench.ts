/**
 * Scanned PDFs from copiers: how fast `openPdf` turns a 20-page PDF into page masters, for the two kinds copiers
 * make (colour JPEG pages: the bytes are lifted as they are; black-and-white CCITT G4 pages: decoded by PDF.js
 * and stored as 1-bit PNG), and how long the API's event loop stalls meanwhile (the work runs on its own thread).
 * Not part of the test suite: called by the bench runner.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import sharp from 'sharp'
import { closeImaging, openPdf } from '../../appliance/src/imaging/index.js'
import { CORPUS } from '../helpers/tmp.js'
import { ccittImage, imagePdf, jpegPdf, type ImagePage } from '../imaging/pdf-fixtures.js'

const MAX_PIXELS = 200_000_000

async function timed (pdf: Buffer): Promise<{ ms: number, pages: number, storedBytes: number, stallMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const started = performance.now()
  const doc = await openPdf(pdf, { maxPixels: MAX_PIXELS })
  let pages = 0
  let storedBytes = 0
  try {
    for await (const page of doc.pages()) { pages++; storedBytes += page.bytes.length }
  } finally {
    await doc.close()
  }
  const ms = performance.now() - started
  delay.disable()
  return { ms, pages, storedBytes, stallMs: delay.max / 1e6 }
}

export async function benchPdf (opts: { pages?: number } = {}): Promise<Record<string, number>> {
  const n = opts.pages ?? 20
  const names = (await readdir(CORPUS)).filter(f => f.endsWith('.jpg')).sort()
  const jpegs = await Promise.all(Array.from({ length: n }, async (_, i) => await readFile(join(CORPUS, names[i % names.length]))))
  const jpegPdfBytes = await jpegPdf(jpegs, jpegs.map(() => 300))

  // Black-and-white pages as a copier's fax mode makes them: the corpus scans thresholded, G4-compressed.
  const g4: ImagePage[] = []
  for (const jpeg of jpegs) {
    const meta = await sharp(jpeg).metadata()
    const width = Math.floor((meta.width ?? 0) / 16) * 16
    const height = Math.floor((meta.height ?? 0) / 16) * 16
    const bilevel = await sharp(jpeg).extract({ left: 0, top: 0, width, height }).greyscale().threshold(160).raw().toBuffer()
    g4.push({ ...(await ccittImage(bilevel, width, height)), widthPt: width * 72 / 300, heightPt: height * 72 / 300 })
  }
  const g4PdfBytes = await imagePdf(g4)

  await timed(await jpegPdf(jpegs.slice(0, 1), [300])) // the thread's start-up is not part of the figures
  const jpeg = await timed(jpegPdfBytes)
  const bw = await timed(g4PdfBytes)
  await closeImaging()
  return {
    pdf_jpeg_pages: jpeg.pages,
    pdf_jpeg_ms_per_page: Math.round(jpeg.ms / jpeg.pages),
    pdf_jpeg_stored_vs_pdf: Number((jpeg.storedBytes / jpegPdfBytes.length).toFixed(3)),
    pdf_jpeg_event_loop_stall_max_ms: Math.round(jpeg.stallMs),
    pdf_g4_pages: bw.pages,
    pdf_g4_ms_per_page: Math.round(bw.ms / bw.pages),
    pdf_g4_stored_vs_pdf: Number((bw.storedBytes / g4PdfBytes.length).toFixed(3)),
    pdf_g4_event_loop_stall_max_ms: Math.round(bw.stallMs)
  }
}
