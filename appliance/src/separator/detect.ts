/**
 * Finding separator sheets among scanned pages. Runs on every page, so it reads a ~100 dpi grey copy (libjpeg
 * shrinks while decoding: ~30-50 ms for a 300 dpi JPEG, against ~80-100 ms for a full decode, and zxing then
 * needs ~5 ms instead of ~30-250 ms). The sheet's QR modules are ≥ 1.2 mm, 4.7 px at 100 dpi, where zxing needs ~3.
 * Only QR codes whose text is exactly a separator payload count: any other code (a verification QR on a signed
 * copy, a URL on a form) never cuts a stack.
 */
import { AppError } from '../errors/index.js'
import { analyseBlank, decodeSmallGrey, type BlankMeasure, type SmallGrey, type SmallGreyOptions } from '../imaging/index.js'
import { parseSeparator, type SeparatorInfo } from './payload.js'
import { readQrTexts } from './qr-thread.js'

export type DetectOptions = Pick<SmallGreyOptions, 'page' | 'maxPixels'>

/** The separator on a page (its file's bytes, or a small grey copy already decoded), or null. */
export async function detectSeparator (image: Uint8Array | SmallGrey, opts: DetectOptions = {}): Promise<SeparatorInfo | null> {
  const grey = image instanceof Uint8Array ? await decodeSmallGrey(image, opts) : image
  return await separatorIn(grey)
}

async function separatorIn (grey: SmallGrey): Promise<SeparatorInfo | null> {
  let texts: string[]
  try {
    texts = await readQrTexts(grey.data, grey.width, grey.height)
  } catch (err) {
    throw new AppError('INTERNAL', { reason: 'QR reading failed' }, err)
  }
  for (const text of texts) {
    const info = parseSeparator(text)
    if (info) return info
  }
  return null
}

export interface PageProbe extends BlankMeasure {
  separator: SeparatorInfo | null
}

/**
 * Both checks the prepare step needs on a page, from one decode: its separator, and whether it is blank.
 * A separator page is never reported blank.
 */
export async function probePage (image: Uint8Array | SmallGrey, opts: DetectOptions = {}): Promise<PageProbe> {
  const grey = image instanceof Uint8Array ? await decodeSmallGrey(image, opts) : image
  const separator = await separatorIn(grey)
  const blank = analyseBlank(grey)
  return { separator, blank: separator === null && blank.blank, inkRatio: blank.inkRatio }
}
