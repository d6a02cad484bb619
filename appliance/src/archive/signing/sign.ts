/**
 * Signs an archival PDF as a "SAO Y" copy: adds the signature field with its visible block (and the verification
 * QR code) to page 1, saves the whole file again (one revision: the PDF/A trailer /ID, Info and XMP stay as built),
 * then puts a PAdES CMS signature (subFilter ETSI.CAdES.detached) over every byte except the signature itself.
 */
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFString, type PDFFont } from 'pdf-lib'
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib'
import signpdfModule from '@signpdf/signpdf'
import { SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils'
import { AppError, isAppError } from '../../errors/index.js'
import { drawableText, embedTinos, vietnamTime } from '../pdf/index.js'
import { blockOperators, blockRect, layoutBlock, qrOperators, TEST_NOTE, type SignatureBlock } from './appearance.js'
import { openP12 } from './certificates.js'
import { maxCmsBytes, PadesSigner } from './cms.js'

// @signpdf/signpdf is CommonJS with a default export: under NodeNext the instance sits one level down.
type SignPdf = { sign: (pdf: Buffer, signer: PadesSigner) => Promise<Buffer> }
const signpdf: SignPdf = (signpdfModule as unknown as { default?: SignPdf }).default ?? (signpdfModule as unknown as SignPdf)

export interface SaoYOptions {
  /** The agency's PKCS#12 file and its passphrase. */
  p12: Uint8Array
  passphrase: string
  /** The copying agency's name as it is shown in the block (Vietnamese, any length). */
  agencyName: string
  /** The signing instant: shown in the block (+07:00) and written as the signature's /M. */
  signingTime: Date
  /** Encoded in the QR code beside the block; no QR code when absent. */
  verifyUrl?: string
  /** Adds the "CHỨNG THƯ THỬ NGHIỆM / test certificate" line. */
  testCertificate: boolean
}

/** Smallest /Contents placeholder, in hex digits: room for an 8 KB CMS (a CA chain of three RSA-4096 certificates). */
export const MIN_SIGNATURE_HEX = 16384

/** ASCII for the signature dictionary's Reason/Name/Location, which placeholder-pdf-lib writes byte for byte. */
export function asciiOnly (s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')
    // Parentheses and backslashes would end or escape the literal string it writes unescaped.
    .replace(/[^\x20-\x7e]|[()\\]/g, '').replace(/\s+/g, ' ').trim()
}

export async function signSaoY (pdf: Uint8Array, opts: SaoYOptions): Promise<Uint8Array> {
  const agency = typeof opts.agencyName === 'string' ? opts.agencyName.normalize('NFC').replace(/\s+/g, ' ').trim() : ''
  const when = opts.signingTime
  if (agency === '' || !(when instanceof Date) || !Number.isFinite(when.getTime())) {
    throw new AppError('VALIDATION', { problems: ['agencyName: non-empty text; signingTime: a valid Date'] })
  }
  const material = openP12(opts.p12, opts.passphrase)
  const { notBefore, notAfter } = material.info
  const validity = { notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(), signingTime: when.toISOString() }
  if (when < notBefore) throw new AppError('CERT_NOT_YET_VALID', validity)
  if (when > notAfter) throw new AppError('CERT_EXPIRED', validity)

  let doc: PDFDocument
  try {
    doc = await PDFDocument.load(pdf, { updateMetadata: false })
  } catch (err) {
    throw new AppError('ARCHIVE_FAILED', { reason: 'the PDF to sign cannot be read' }, err)
  }
  // Saving the whole file again would break an earlier signature: an archival PDF is signed once.
  if (doc.catalog.has(PDFName.of('AcroForm'))) throw new AppError('ARCHIVE_FAILED', { reason: 'the PDF already has a form or a signature' })
  const page = doc.getPage(0)
  const { width, height } = page.getSize()
  const name = await drawableText(agency)
  const time = vietnamTime(when)
  const font = await embedTinos(doc, ['SAO Y', name, time, opts.testCertificate ? TEST_NOTE : ''])
  const block = layoutBlock(font, name, time, opts.testCertificate)
  const rect = blockRect(block, width, height)

  const cmsBytes = maxCmsBytes(material.key, material.certificates)
  pdflibAddPlaceholder({
    pdfDoc: doc,
    pdfPage: page,
    reason: 'SAO Y',
    contactInfo: '',
    name: asciiOnly(agency) || 'agency',
    location: 'Viet Nam',
    signingTime: when,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    widgetRect: rect,
    signatureLength: Math.max(MIN_SIGNATURE_HEX, Math.ceil((2 * cmsBytes) / 1024) * 1024),
    appName: 'sohoa'
  })
  replaceAppearance(doc, page.node.lookup(PDFName.of('Annots'), PDFArray), block, font)
  if (opts.verifyUrl) page.pushOperators(...qrOperators(opts.verifyUrl, rect[0], rect[3], block.height).ops)

  const prepared = Buffer.from(await doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false }))
  try {
    return new Uint8Array(await signpdf.sign(prepared, new PadesSigner(material.key, material.certificates)))
  } catch (err) {
    if (isAppError(err)) throw err
    throw new AppError('ARCHIVE_FAILED', { reason: 'signing failed' }, err)
  }
}

/** placeholder-pdf-lib gives the widget an empty appearance (an invisible signature): draw the block instead. */
function replaceAppearance (doc: PDFDocument, annots: PDFArray, block: SignatureBlock, font: PDFFont): void {
  const widget = annots.lookup(annots.size() - 1, PDFDict)
  const old = widget.lookup(PDFName.of('AP'), PDFDict).get(PDFName.of('N'))
  const form = doc.context.formXObject(blockOperators(block, font, 'F1'), {
    BBox: [0, 0, block.width, block.height],
    Resources: { Font: { F1: font.ref } }
  })
  widget.set(PDFName.of('AP'), doc.context.obj({ N: doc.context.register(form) }))
  // The field's name, shown by viewers in their signature panel.
  widget.set(PDFName.of('T'), PDFString.of('SAO Y'))
  if (old instanceof PDFRef) doc.context.delete(old)
}
