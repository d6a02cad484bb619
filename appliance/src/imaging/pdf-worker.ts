/**
 * Entry of the PDF thread (started by pdf-thread.ts): every parse, decode and render of a PDF happens here, so
 * the API's event loop never waits on PDF.js or pdf-lib (in Node, PDF.js has no worker of its own: its "fake
 * worker" would run on the caller's thread). Documents stay open between requests, one page per request.
 */
import { createHash } from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import type { PDFDocument } from 'pdf-lib'
import { isAppError, type ErrorCode } from '../errors/index.js'
import { PdfPixels, type Pixels } from './pdf-pixels.js'
import { jpegOf, planPdf, type PdfPlan } from './pdf-structure.js'

export type PdfRequest =
  | { id: number, op: 'open', bytes: Uint8Array, maxPixels: number, maxPages: number }
  | { id: number, op: 'page', doc: number, index: number }
  | { id: number, op: 'close', doc: number }

export interface OpenResult {
  doc: number
  /** SHA-256 of the file, hashed here: a 100 MB file would hold the caller's event loop for a third of a second. */
  sha256: string
  pages: number
  /** How many pages each method will make. */
  methods: { jpeg: number, decoded: number, rendered: number }
  /** Each page's pixels as planned (the image's, or the render's at the scan resolution): the file's total budget. */
  sizes: Array<{ width: number, height: number }>
}

export type PageMethod = 'jpeg' | 'decoded' | 'rendered'

export type PageResult =
  | { kind: 'file', mime: 'image/jpeg' | 'image/png', bytes: Uint8Array, sha256: string, width: number, height: number, dpi: number | null, method: PageMethod }
  | { kind: 'raw', data: Uint8Array, channels: 1 | 3 | 4, width: number, height: number, dpi: number | null, method: PageMethod }

/** In the shape of `workers/`: an answer, or an `error` carrying a catalogue code (the PDF thread rethrows it). */
export type PdfReply =
  | { id: number, result: OpenResult | PageResult | null }
  | { id: number, error: { code: ErrorCode, details?: Record<string, unknown> } }

interface OpenDoc {
  bytes: Uint8Array
  maxPixels: number
  doc: PDFDocument
  plan: PdfPlan
  pixels?: Promise<PdfPixels>
}

const docs = new Map<number, OpenDoc>()
let nextDoc = 1

async function handle (req: PdfRequest): Promise<OpenResult | PageResult | null> {
  if (req.op === 'open') {
    const { doc, plan } = await planPdf(req.bytes, { maxPixels: req.maxPixels, maxPages: req.maxPages })
    const id = nextDoc++
    docs.set(id, { bytes: req.bytes, maxPixels: req.maxPixels, doc, plan })
    const count = (kind: string): number => plan.pages.filter(p => p.kind === kind).length
    return { doc: id, sha256: sha256Of(req.bytes), pages: plan.pages.length, methods: { jpeg: count('jpeg'), decoded: count('decode'), rendered: count('render') }, sizes: plan.pages.map(p => ({ width: p.width, height: p.height })) }
  }
  const open = docs.get(req.doc)
  if (req.op === 'close') {
    docs.delete(req.doc)
    if (open?.pixels) await (await open.pixels).close()
    return null
  }
  if (!open) throw new Error('document is not open')
  const plan = open.plan.pages[req.index]
  if (!plan) throw new Error('no such page')
  if (plan.kind === 'jpeg') {
    const jpeg = jpegOf(plan, open.maxPixels)
    return { kind: 'file', mime: 'image/jpeg', bytes: jpeg.bytes, sha256: sha256Of(jpeg.bytes), width: jpeg.width, height: jpeg.height, dpi: jpeg.dpi, method: 'jpeg' }
  }
  open.pixels ??= PdfPixels.open(open.bytes, open.maxPixels)
  const pixels = await open.pixels
  if (plan.kind === 'decode') {
    const decoded = await pixels.decodeImage(plan.index, plan.orientation, plan.dpi)
    if (decoded) return result(decoded, plan.dpi, 'decoded')
  }
  const dpi = plan.kind === 'render' ? plan.dpi : plan.renderDpi
  return result(await pixels.render(plan.index, dpi), dpi, 'rendered')
}

function result (pixels: Pixels, dpi: number | null, method: PageMethod): PageResult {
  if (pixels.kind === 'png') return { kind: 'file', mime: 'image/png', bytes: pixels.bytes, sha256: sha256Of(pixels.bytes), width: pixels.width, height: pixels.height, dpi, method }
  return { kind: 'raw', data: pixels.data, channels: pixels.channels, width: pixels.width, height: pixels.height, dpi, method }
}

function sha256Of (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Catalogue errors pass as they are; anything from pdf-lib or PDF.js means the file cannot be read. */
function failure (id: number, err: unknown): PdfReply {
  if (isAppError(err)) return { id, error: { code: err.code as ErrorCode, ...(err.details ? { details: err.details } : {}) } }
  const message = err instanceof Error ? err.message : String(err)
  const name = err instanceof Error ? err.name : ''
  if (name === 'PasswordException') return { id, error: { code: 'PDF_ENCRYPTED' } }
  if (/exceeded maximum allowed size/i.test(message)) return { id, error: { code: 'IMAGE_TOO_MANY_PIXELS', details: { reason: message.slice(0, 200) } } }
  return { id, error: { code: 'PDF_UNREADABLE', details: { reason: message.slice(0, 200) } } }
}

parentPort?.on('message', (req: PdfRequest) => {
  handle(req).then(
    res => {
      // Raw pages (up to ~140 MB at 600 dpi) are moved, not copied; they are always arrays of their own.
      const transfer = res !== null && 'kind' in res && res.kind === 'raw' ? [res.data.buffer as ArrayBuffer] : []
      parentPort?.postMessage({ id: req.id, result: res } satisfies PdfReply, transfer)
    },
    err => { parentPort?.postMessage(failure(req.id, err)) }
  )
})
