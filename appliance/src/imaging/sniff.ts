/** Which of the accepted formats (images; PDF apart) the bytes are, by their signature alone (the declared content type is not trusted). */
import type { ImageFormat, ImageInfo } from './types.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export function sniffFormat (buf: Buffer): ImageFormat | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg'
  if (buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png'
  if (buf.length >= 4) {
    const head = buf.toString('latin1', 0, 4)
    // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
    if (head === 'II*\0' || head === 'MM\0*' || head === 'II+\0' || head === 'MM\0+') return 'tiff'
  }
  return null
}

/**
 * A PDF by its header, `%PDF-`, which readers (PDF.js, Acrobat) find within the first 1024 bytes: some producers
 * put a few bytes of junk in front of it. An image signature wins (an image's metadata may quote a PDF header).
 */
export function isPdf (buf: Buffer): boolean {
  return sniffFormat(buf) === null && buf.subarray(0, 1024).indexOf('%PDF-', 0, 'latin1') >= 0
}

export const MIME: Record<ImageFormat, ImageInfo['mime']> = { jpeg: 'image/jpeg', png: 'image/png', tiff: 'image/tiff' }
