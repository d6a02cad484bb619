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
  const out: Buffer[] = []
  for await (const master of masterPages(bytes, info)) out.push(master)
  return out
}

/**
 * The masters one at a time, each made when the caller asks for it: the intake writes a page to the file store
 * before the next is decoded, so a 300-page TIFF never holds 300 PNGs in memory (issue 15, item 11).
 */
export async function * masterPages (bytes: Buffer, info: ImageInfo): AsyncGenerator<Buffer> {
  if (info.format !== 'tiff' || info.pages <= 1) {
    yield bytes
    return
  }
  ensureConfigured()
  const pages = info.pagesInfo ?? []
  for (let page = 0; page < info.pages; page++) {
    const dims = pages[page] ?? info
    let master: Buffer
    try {
      // The headers were checked by inspectImage; the limit is this page's own size, so nothing larger gets through.
      const input = sharp(bytes, { page, limitInputPixels: dims.width * dims.height, failOn: 'error', autoOrient: true })
      const meta = await input.metadata()
      // Left alone, sharp writes every page as 8-bit sRGB: say which space keeps the samples as they are.
      const grey = meta.channels <= 2
      const deep = meta.depth === 'ushort'
      let pipeline = input.keepIccProfile().toColourspace(grey ? (deep ? 'grey16' : 'b-w') : (deep ? 'rgb16' : 'srgb'))
      pipeline = pipeline.png({ compressionLevel: 6 })
      // libvips writes 1 px/mm when it has no resolution; a page that had none must not gain one.
      master = dims.dpi !== null ? await pipeline.withDensity(dims.dpi).toBuffer() : withoutChunks(await pipeline.toBuffer(), ['pHYs'])
    } catch (err) {
      throw fromSharpError(err, 'tiff')
    }
    yield master
  }
}
