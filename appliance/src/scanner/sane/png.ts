/**
 * Lossless PNG of a scanned page, with its real resolution. Gray stays one channel, 16-bit stays 16-bit
 * (sharp would otherwise write 8-bit sRGB), and the density is set with `withDensity`, which, unlike
 * `withMetadata({ density })`, does not convert the page to sRGB colour.
 */
import sharp from 'sharp'
import type { ScannedImage } from './image.js'

export interface PngOptions {
  /** zlib level 0-9 (default 6): 9 saves a few percent at several times the CPU. */
  compressionLevel?: number
}

export async function encodePng (image: ScannedImage, options: PngOptions = {}): Promise<Buffer> {
  const { width, height, channels, depth } = image
  let input: Buffer | Uint16Array = image.data
  if (depth === 16) {
    // sharp takes the sample depth from the array type: a Uint16Array means 16-bit (machine byte order).
    const data = image.data.byteOffset % 2 === 0 ? image.data : Buffer.from(image.data)
    input = new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
  }
  let pipeline = sharp(input, { raw: { width, height, channels } })
  if (channels === 1) pipeline = pipeline.toColourspace(depth === 16 ? 'grey16' : 'b-w')
  else if (depth === 16) pipeline = pipeline.toColourspace('rgb16')
  if (image.dpi !== null && image.dpi > 0) pipeline = pipeline.withDensity(image.dpi)
  return await pipeline.png({ compressionLevel: options.compressionLevel ?? 6 }).toBuffer()
}
