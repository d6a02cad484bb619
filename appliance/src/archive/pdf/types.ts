/** What `buildArchivalPdf` takes. */

/** One OCR word; the store's `OcrWord` fits (extra keys are ignored). */
export interface ArchivalWord {
  text: string
  /** In the pixels of `wordsSpace` (top-left origin). */
  bbox: { x0: number, y0: number, x1: number, y1: number }
  /** Tesseract's grouping; words sharing (block, par, line) get one font size and baseline. */
  block?: number
  par?: number
  line?: number
}

/**
 * The image the OCR words refer to, when it is not the master itself: the prepared page is the master with its
 * EXIF orientation applied, turned clockwise by `skewDeg` about its centre (cropped back to the same size), then
 * scaled to `width` x `height` (imaging's `Prepared` geometry).
 */
export interface WordsSpace {
  width: number
  height: number
  /** The page's `skewDeg` (positive = lines rising to the right); 0 or absent when the page was not turned. */
  skewDeg?: number
}

export interface ArchivalPage {
  /** The master, byte for byte: JPEG goes in as it is; PNG, TIFF and the rest are re-encoded (see images.ts). */
  image: Uint8Array
  /** Informational: the format is read from the bytes. */
  mime?: string
  /** Informational: the size is read from the bytes. */
  widthPx?: number
  heightPx?: number
  /** The master's real resolution: the page is drawn at its scanned size (100 % scale). */
  dpi: number
  words?: readonly ArchivalWord[]
  /** Defaults to the master's own (oriented) size and no skew. */
  wordsSpace?: WordsSpace
}

export interface ArchivalMetadata {
  /** dc:title and the Info Title. */
  title: string
  /** The agency that makes (and signs) this copy. */
  agency: string
  /** The record's archive id (`SH-<unit>-…`): dc:identifier. */
  archiveId: string
  unit?: string | null
  dossierCode?: string | null
  /** The issuing body of the document (defaults to fields.issuer); dc:creator and the Info Author. */
  issuer?: string | null
  documentType?: string | null
  documentNumber?: string | null
  /** `YYYY-MM-DD` (defaults to fields.issuedDate); dc:date. */
  issuedDate?: string | null
  /** Trích yếu (defaults to fields.summary); dc:description and the Info Subject. */
  summary?: string | null
  /** The record's fields (name → value); each non-null one is written as a property of the sohoa XMP schema. */
  fields?: Record<string, string | null | undefined>
  /** BCP 47 language of the text; default `vi`. */
  language?: string
}

export interface ArchivalPdfInput {
  pages: readonly ArchivalPage[]
  metadata: ArchivalMetadata
  /** `sohoa <version>`: the Info Producer/Creator, pdf:Producer and xmp:CreatorTool. */
  producer: string
  /** The one instant of the XMP and Info dates (written in Vietnam time, +07:00); default now. */
  createdAt?: Date
}
