/**
 * One master per page. A multi-page TIFF becomes one lossless PNG per page (resolution and ICC profile kept,
 * 16-bit samples kept as 16-bit, a TIFF Orientation tag applied since PNG cannot carry it); any other upload is its
 * own single master, returned as is.
 * Decoding uses failOn 'error': with 'truncated', libvips turned a TIFF strip of corrupt JPEG data into a blank
 * page without complaint (seen with libvips 8.18); a master must never silently lose its content.
 */
import sharp from 'sharp'
import { withoutChunks } from './png.js'
import { fromSharpError } from './sharp-errors.js'
import { ensureConfigured } from './setup.js'
import type { ImageInfo } from './types.js'

export async function splitPages (bytes: Buffer, info: ImageInfo): Promise<Buffer[]> {
  if (info.format !== 'tiff' || info.pages <= 1) return [bytes]
  ensureConfigured()
  const pages = info.pagesInfo ?? []
  const out: Buffer[] = []
  // One page at a time: a 300-page TIFF must not hold 300 decoded pages in memory.
  for (let page = 0; page < info.pages; page++) {
    const dims = pages[page] ?? info
    try {
      // The headers were checked by inspectImage; the limit is this page's own size, so nothing larger gets through.
      const input = sharp(bytes, { page, limitInputPixels: dims.width * dims.height, failOn: 'error', autoOrient: true })
      const meta = await input.metadata()
      // Left alone, sharp writes every page as 8-bit sRGB: say which space keeps the samples as they are.
      const grey = meta.channels <= 2
      const deep = meta.depth === 'ushort'
      let pipeline = input.keepIccProfile().toColourspace(grey ? (deep ? 'grey16' : 'b-w') : (deep ? 'rgb16' : 'srgb'))
      pipeline = pipeline.png({ compressionLevel: 6 })
      if (dims.dpi !== null) out.push(await pipeline.withDensity(dims.dpi).toBuffer())
      // libvips writes 1 px/mm when it has no resolution; a page that had none must not gain one.
      else out.push(withoutChunks(await pipeline.toBuffer(), ['pHYs']))
    } catch (err) {
      throw fromSharpError(err, 'tiff')
    }
  }
  return out
}
