/** Shapes the imaging module hands out. */

export type ImageFormat = 'jpeg' | 'png' | 'tiff'

export interface PageInfo {
  /** Pixels as stored in the file (before any EXIF orientation). */
  width: number
  height: number
  /** Dots per inch from the file's own resolution fields; null when the file does not say. */
  dpi: number | null
}

export interface ImageInfo extends PageInfo {
  format: ImageFormat
  mime: 'image/jpeg' | 'image/png' | 'image/tiff'
  /** 1 for JPEG and PNG; the number of images (IFDs) in a TIFF. width/height/dpi are those of the first. */
  pages: number
  /** TIFF only: every page's size and resolution, in file order. */
  pagesInfo?: PageInfo[]
}

/** A page made ready for recognition, plus its thumbnail. */
export interface Prepared {
  /**
   * Grey, deskewed, contrast-stretched PNG for the OCR engine. Word boxes from OCR are in its pixels.
   * Geometry: the oriented master, turned clockwise by `skewDeg` about its centre and cropped back to the
   * master's size, then scaled by `scale`.
   */
  ocrInput: Buffer
  /** WebP, THUMBNAIL_WIDTH pixels wide, in colour, deskewed like ocrInput. */
  thumbnail: Buffer
  /** Size of ocrInput. */
  width: number
  height: number
  /** Resolution of ocrInput (the master's dpi times scale); null when the master did not say or said nonsense. */
  dpi: number | null
  /** Skew found on the master, degrees; positive = content turned counter-clockwise (lines rising to the right). */
  skewDeg: number
  /** ocrInput pixels per master pixel: above 1 when a low-resolution page was brought up to OCR_TARGET_DPI. */
  scale: number
  /** Wall time spent preparing, milliseconds. */
  ms: number
}
