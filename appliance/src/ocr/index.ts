/**
 * OCR: Vietnamese text recognition with tesseract.js 7, fully offline (local model and wasm core, no cache in the
 * working directory). `createOcrPool` starts N workers; `recognize` returns NFC text, a mean confidence and word
 * boxes (with block/paragraph/line grouping) in the pixels of the image given, enough for a PDF text layer and for
 * highlighting hits on the page. A bad image fails its own promise with OCR_FAILED; the pool carries on.
 * Engine settings and why: see model.ts.
 */
export { createOcrPool } from './pool.js'
export { ENGINE_PARAMETERS } from './model.js'
export type { OcrPool, OcrPoolOptions, OcrPoolStats, OcrResult, OcrWord } from './types.js'
