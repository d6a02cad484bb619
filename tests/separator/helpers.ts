/** Test material for separator sheets: printed sheets rasterised by poppler, "scanned" copies, foreign QR codes. */
import { execFile } from 'node:child_process'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import QRCode from 'qrcode'
import sharp from 'sharp'
import type { SeparatorInfo } from '../../appliance/src/separator/index.js'

const run = promisify(execFile)

export const SHEETS: SeparatorInfo[] = [
  { unit: '622', dossierCode: '000.00.21.H21-230505-0001', procedureCode: '1.003560', resultTypeCode: 'KQ.G15.000031', box: '3', file: '12' },
  // The longest realistic payload: every field, a district-level procedure code, an inventory file id.
  {
    unit: '23584', dossierCode: '000.00.21.H21-230505-0002', procedureCode: '2.000635.000.00.00.H21', resultTypeCode: 'KQ.G15.000031',
    box: '12/2015', file: '345', inventoryFileId: 'if_01JDZK8Q4W7XPN3M5R2T6V9B'
  },
  // A pre-2018 result: no dossier code, only the paper's place.
  { unit: '628', box: '7', file: '1' }
]

/** Rasterises every page of a PDF with pdftoppm (JPEG, as a scanner would send it). */
export async function rasterise (pdf: Uint8Array, dpi: number, dir: string): Promise<Buffer[]> {
  const base = join(dir, `sheets-${dpi}`)
  await writeFile(`${base}.pdf`, pdf)
  await run('pdftoppm', ['-r', String(dpi), '-jpeg', `${base}.pdf`, base])
  const names = (await readdir(dir)).filter(n => n.startsWith(`sheets-${dpi}-`) && n.endsWith('.jpg')).sort()
  return await Promise.all(names.map(async n => await readFile(join(dir, n))))
}

export interface Degradation {
  /** Degrees, counter-clockwise positive (sharp turns clockwise for positive angles). */
  rotateDeg?: number
  blurSigma?: number
  /** Amplitude of uniform noise added to every channel (grey levels). */
  noise?: number
  quality?: number
  /** Paper tone multiplied in (yellowed paper). */
  paper?: { r: number, g: number, b: number }
  /** Contrast kept, 0-1 (a faded print or a light scan). */
  contrast?: number
  dpi: number
}

/** A sheet as a worn scanner would give it back: turned, blurred, noisy, toned, JPEG-compressed. */
export async function degrade (jpeg: Buffer, d: Degradation): Promise<Buffer> {
  const background = d.paper ?? { r: 255, g: 255, b: 255 }
  // One channel unless the paper is toned: a third of the work for the same test.
  let img = d.paper ? sharp(jpeg) : sharp(jpeg).toColourspace('b-w')
  if (d.contrast !== undefined) img = img.linear(d.contrast, 255 * (1 - d.contrast))
  if (d.paper) img = img.tint(d.paper)
  if (d.rotateDeg) img = img.rotate(-d.rotateDeg, { background })
  if (d.blurSigma) img = img.blur(d.blurSigma)
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true })
  if (d.noise) {
    let seed = 12345
    for (let i = 0; i < data.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      data[i] = Math.max(0, Math.min(255, data[i] + ((seed >>> 24) - 128) * d.noise / 128))
    }
  }
  return await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .jpeg({ quality: d.quality ?? 75 }).withDensity(d.dpi).toBuffer()
}

/** A QR code as a grey PNG, `modulePx` pixels per module, with its quiet zone. */
export async function qrPng (text: string, modulePx: number): Promise<Buffer> {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const n = qr.modules.size
  const side = (n + 8) * modulePx
  const px = Buffer.alloc(side * side, 255)
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!qr.modules.get(r, c)) continue
      for (let y = 0; y < modulePx; y++) px.fill(0, ((r + 4) * modulePx + y) * side + (c + 4) * modulePx, ((r + 4) * modulePx + y) * side + (c + 5) * modulePx)
    }
  }
  return await sharp(px, { raw: { width: side, height: side, channels: 1 } }).png().toBuffer()
}

/** A document page carrying another QR code (bottom left, like a verification code on a signed copy). */
export async function pageWithQr (page: Buffer, text: string, dpi: number): Promise<Buffer> {
  const meta = await sharp(page).metadata()
  const qr = await qrPng(text, Math.round(dpi / 40)) // ~0.6 mm modules, a typical printed verification code
  const size = (await sharp(qr).metadata()).height
  return await sharp(page).composite([{ input: qr, left: Math.round(dpi * 0.6), top: meta.height - size - Math.round(dpi * 0.6) }])
    .jpeg({ quality: 85 }).withDensity(dpi).toBuffer()
}
