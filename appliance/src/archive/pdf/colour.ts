/**
 * The sRGB output intent PDF/A needs (the page images are DeviceRGB/DeviceGray, ISO 19005-2 6.2.4.3).
 * The ICC profile is the sRGB profile libvips ships inside sharp: ICC v4.2, class "mntr", 480 bytes, released
 * under CC0 (its cprt tag). PDF/A-2 accepts any profile version below 5 (veraPDF rule 6.2.3-1). Debian has no ICC
 * profile installed here and pdfkit's is not a dependency, so taking it from sharp avoids vendoring a file.
 */
import { PDFName, PDFString, type PDFDocument } from 'pdf-lib'
import sharp from 'sharp'
import { AppError } from '../../errors/index.js'

export const OUTPUT_CONDITION = 'sRGB IEC61966-2.1'

let cached: Promise<Buffer> | null = null

/** The sRGB ICC profile bytes (extracted once per process from a 1-pixel image sharp tags with it). */
export async function srgbProfile (): Promise<Buffer> {
  cached ??= (async () => {
    const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ffffff' } })
      .withIccProfile('srgb').png().toBuffer()
    const { icc } = await sharp(png).metadata()
    if (!icc || icc.length < 132 || icc.toString('latin1', 36, 40) !== 'acsp' || icc.toString('latin1', 16, 20) !== 'RGB ') {
      throw new AppError('INTERNAL', { reason: 'sharp gave no usable sRGB ICC profile' })
    }
    return icc
  })()
  cached.catch(() => { cached = null })
  return await cached
}

export async function addOutputIntent (doc: PDFDocument): Promise<void> {
  const icc = await srgbProfile()
  const profile = doc.context.register(doc.context.flateStream(icc, { N: 3 }))
  doc.catalog.set(PDFName.of('OutputIntents'), doc.context.obj([doc.context.obj({
    Type: 'OutputIntent',
    S: 'GTS_PDFA1',
    OutputConditionIdentifier: PDFString.of(OUTPUT_CONDITION),
    Info: PDFString.of(OUTPUT_CONDITION),
    DestOutputProfile: profile
  })]))
}
