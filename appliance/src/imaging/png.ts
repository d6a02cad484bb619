/**
 * PNG structure, read without inflating pixels: IHDR first (size checked against the limit before anything else),
 * then every chunk walked with its length and CRC checked, up to IEND. pHYs gives the resolution.
 */
import { crc32 } from 'node:zlib'
import { AppError } from '../errors/index.js'
import { checkPixels } from './limits.js'
import type { PageInfo } from './types.js'

const SIGNATURE_LENGTH = 8
/** PNG caps chunk lengths and sizes at 2^31 - 1. */
const MAX_UINT31 = 0x7fffffff

function truncated (reason: string): AppError {
  return new AppError('IMAGE_TRUNCATED', { format: 'png', reason })
}

function broken (reason: string): AppError {
  return new AppError('IMAGE_UNDECODABLE', { format: 'png', reason })
}

function isChunkType (buf: Buffer, at: number): boolean {
  for (let i = at; i < at + 4; i++) {
    const c = buf[i]
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false
  }
  return true
}

export function parsePng (buf: Buffer, maxPixels: number): PageInfo {
  const ihdr = SIGNATURE_LENGTH
  if (buf.length < ihdr + 8 + 13) throw truncated('header')
  if (buf.toString('latin1', ihdr + 4, ihdr + 8) !== 'IHDR' || buf.readUInt32BE(ihdr) !== 13) throw broken('IHDR is not the first chunk')
  const width = buf.readUInt32BE(ihdr + 8)
  const height = buf.readUInt32BE(ihdr + 12)
  if (width === 0 || height === 0 || width > MAX_UINT31 || height > MAX_UINT31) throw broken('invalid width or height')
  checkPixels(width, height, maxPixels)

  let dpi: number | null = null
  let sawData = false
  let pos = SIGNATURE_LENGTH
  for (;;) {
    if (pos + 8 > buf.length) throw truncated('no IEND chunk')
    const length = buf.readUInt32BE(pos)
    if (length > MAX_UINT31) throw broken('chunk length above 2^31')
    if (!isChunkType(buf, pos + 4)) throw broken(`invalid chunk type at byte ${pos}`)
    const type = buf.toString('latin1', pos + 4, pos + 8)
    const data = pos + 8
    const end = data + length + 4
    if (end > buf.length) throw truncated(`${type} chunk beyond the end of the file`)
    // The CRC covers type and data. A mismatch would stop libpng at decode; saying so at intake is kinder.
    if (crc32(buf.subarray(pos + 4, data + length)) !== buf.readUInt32BE(data + length)) throw broken(`${type} chunk CRC mismatch`)
    if (type === 'IDAT') sawData = true
    else if (type === 'pHYs' && length >= 9 && buf[data + 8] === 1) {
      const perMetre = buf.readUInt32BE(data)
      const perInch = Math.round(perMetre * 0.0254)
      dpi = perInch > 0 && perInch <= 100_000 ? perInch : null
    } else if (type === 'IEND') break
    pos = end
  }
  if (!sawData) throw broken('no IDAT chunk')
  return { width, height, dpi }
}

/** A copy of a (well-formed) PNG without the chunks of the given types. */
export function withoutChunks (png: Buffer, types: string[]): Buffer {
  const parts = [png.subarray(0, SIGNATURE_LENGTH)]
  for (let pos = SIGNATURE_LENGTH; pos + 8 <= png.length;) {
    const end = Math.min(png.length, pos + 12 + png.readUInt32BE(pos))
    if (!types.includes(png.toString('latin1', pos + 4, pos + 8))) parts.push(png.subarray(pos, end))
    pos = end
  }
  return Buffer.concat(parts)
}
