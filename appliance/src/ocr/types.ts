/** Shapes the OCR module hands out. */

export interface OcrWord {
  /** NFC. */
  text: string
  /** Tesseract's word confidence, 0-100. */
  conf: number
  /** Pixels of the image recognised (the OCR input), x1/y1 exclusive. */
  bbox: { x0: number, y0: number, x1: number, y1: number }
  /** Page-wide indexes from 0, in Tesseract's reading order: words with the same `line` form one text line. */
  block: number
  par: number
  line: number
}

export interface OcrResult {
  /** Plain text, NFC, lines separated by newlines. */
  text: string
  /** Mean word confidence, 0-100 (0 when nothing was read). */
  confidence: number
  words: OcrWord[]
  /** Size of the image the boxes refer to. */
  width: number
  height: number
  /** Recognition time on the worker, milliseconds (queueing not included). */
  ms: number
}

export interface OcrPoolOptions {
  /** Recognition workers (threads), each ~50 MB idle and ~200 MB busy. Default: one per core. */
  workers?: number
  /**
   * Directory for tesseract.js' language-data cache, inside the appliance's data dir. The pool runs with caching
   * off (the 1.4 MB model is gunzipped at each worker start, ~30 ms), so nothing is written; the path is still set
   * so that no code path can fall back to the current directory.
   */
  cacheDir: string
  /** A page taking longer than this is abandoned and its worker replaced. Default 120 s. */
  timeoutMs?: number
}

export interface OcrPool {
  /** Recognises one image (PNG, JPEG or TIFF bytes). Rejects with AppError OCR_FAILED; the pool stays usable. */
  recognize: (image: Buffer) => Promise<OcrResult>
  /** Rejects queued work with SHUTTING_DOWN, waits for running pages, stops the workers. */
  close: () => Promise<void>
  readonly size: number
  stats: () => OcrPoolStats
}

export interface OcrPoolStats {
  workers: number
  busy: number
  queued: number
  /** Workers replaced since the pool started (after a failure, a timeout or a crash). */
  restarts: number
}
