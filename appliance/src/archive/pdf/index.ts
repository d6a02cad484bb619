/**
 * The archival PDF of a record: PDF/A-2b (ISO 19005-2, level B), one page per master at its scanned size, colour
 * kept (JPEG masters byte for byte, others as JPEG q90), an invisible Vietnamese text layer from the OCR words
 * (Tinos, embedded subset), XMP + Info metadata from one source in Vietnam time, sRGB output intent, trailer /ID,
 * no object streams. Signing it ("SAO Y") is `archive/signing`'s job; it reuses the font and time helpers below.
 */
export { buildArchivalPdf } from './build.js'
export { drawableText, embedTinos } from './fonts.js'
export { pdfDate, SOHOA_XMP_NS, vietnamTime } from './metadata.js'
export { REENCODE_QUALITY } from './images.js'
export type { ArchivalMetadata, ArchivalPage, ArchivalPdfInput, ArchivalWord, WordsSpace } from './types.js'
