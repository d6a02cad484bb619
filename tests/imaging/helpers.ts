/** Test images: a small uncompressed TIFF writer (pages of different sizes, damage on demand) and JPEG surgery. */
import { readFileSync } from 'node:fs'
import sharp from 'sharp'
import { CORPUS } from '../helpers/tmp.js'

export { CORPUS }

export interface CorpusTruth {
  file: string
  dpi: number
  skew_deg: number
  so_ky_hieu: string
  chu_the: string
  text: string
}

export function corpusTruth (): CorpusTruth[] {
  return readFileSync(`${CORPUS}/truth.jsonl`, 'utf8').trim().split('\n').map(l => JSON.parse(l) as CorpusTruth)
}

export function corpusFile (file: string): Buffer {
  return readFileSync(`${CORPUS}/${file}`)
}

export interface TiffPage {
  width: number
  height: number
  dpi?: number
  bits?: 8 | 16
  /** Grey value (0-255, or 0-65535 for 16 bits) of pixel x, y. */
  pixel: (x: number, y: number) => number
}

export interface TiffLayout {
  bytes: Buffer
  /** Where each page's IFD starts. */
  ifds: number[]
  /** Where each page's single strip starts. */
  strips: number[]
  /** Byte offset of the "next IFD" field of each IFD. */
  nextFields: number[]
}

/** Writes a classic TIFF, one grey uncompressed strip per page: data, then resolution values, then the IFD. */
export function makeTiff (pages: TiffPage[], littleEndian = true): TiffLayout {
  const chunks: Buffer[] = []
  let size = 8
  const ifds: number[] = []
  const strips: number[] = []
  const nextFields: number[] = []
  const u16 = (b: Buffer, v: number, at: number): void => { littleEndian ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at) }
  const u32 = (b: Buffer, v: number, at: number): void => { littleEndian ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at) }
  const header = Buffer.alloc(8)
  header.write(littleEndian ? 'II' : 'MM', 0, 'latin1')
  u16(header, 42, 2)
  chunks.push(header)

  for (const page of pages) {
    const bits = page.bits ?? 8
    const bytesPer = bits / 8
    const data = Buffer.alloc(page.width * page.height * bytesPer)
    for (let y = 0; y < page.height; y++) {
      for (let x = 0; x < page.width; x++) {
        const at = (y * page.width + x) * bytesPer
        if (bits === 8) data[at] = page.pixel(x, y)
        else u16(data, page.pixel(x, y), at)
      }
    }
    const stripAt = size
    strips.push(stripAt)
    chunks.push(data)
    size += data.length + (data.length % 2) // word alignment
    if (data.length % 2) chunks.push(Buffer.alloc(1))

    const resAt = size
    const res = Buffer.alloc(16)
    u32(res, page.dpi ?? 72, 0); u32(res, 1, 4); u32(res, page.dpi ?? 72, 8); u32(res, 1, 12)
    chunks.push(res)
    size += 16

    const entries: Array<[number, number, number, number]> = [ // tag, type, count, value
      [256, 4, 1, page.width], [257, 4, 1, page.height], [258, 3, 1, bits], [259, 3, 1, 1], [262, 3, 1, 1],
      [273, 4, 1, stripAt], [277, 3, 1, 1], [278, 4, 1, page.height], [279, 4, 1, data.length]
    ]
    if (page.dpi !== undefined) entries.push([282, 5, 1, resAt], [283, 5, 1, resAt + 8], [296, 3, 1, 2])
    const ifd = Buffer.alloc(2 + entries.length * 12 + 4)
    u16(ifd, entries.length, 0)
    entries.forEach(([tag, type, count, value], i) => {
      const e = 2 + i * 12
      u16(ifd, tag, e); u16(ifd, type, e + 2); u32(ifd, count, e + 4)
      if (type === 3) u16(ifd, value, e + 8)
      else u32(ifd, value, e + 8)
    })
    ifds.push(size)
    nextFields.push(size + 2 + entries.length * 12)
    chunks.push(ifd)
    size += ifd.length
  }
  const bytes = Buffer.concat(chunks)
  // Chain: header -> IFD 0 -> IFD 1 -> ... -> 0
  u32(bytes, ifds[0], 4)
  for (let i = 0; i < ifds.length - 1; i++) u32(bytes, ifds[i + 1], nextFields[i])
  return { bytes, ifds, strips, nextFields }
}

/** Inserts a segment right after SOI. */
export function withSegment (jpeg: Buffer, marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head[0] = 0xff
  head[1] = marker
  head.writeUInt16BE(payload.length + 2, 2)
  return Buffer.concat([jpeg.subarray(0, 2), head, payload, jpeg.subarray(2)])
}

/** A JFIF APP0 payload with the given density units (1 = inch, 2 = cm) and density. */
export function jfif (units: number, density: number): Buffer {
  const p = Buffer.alloc(14)
  p.write('JFIF\0', 0, 'latin1')
  p[5] = 1; p[6] = 2; p[7] = units
  p.writeUInt16BE(density, 8); p.writeUInt16BE(density, 10)
  return p
}

/** Offset of the first frame header (SOF0-SOF2) marker in a JPEG. */
export function frameHeaderAt (jpeg: Buffer): number {
  for (let i = 2; i < jpeg.length - 1; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] >= 0xc0 && jpeg[i + 1] <= 0xc2) return i
  }
  throw new Error('no SOF')
}

/** A grey page of noisy text-like bars, for size and speed tests. */
export async function noisyJpeg (width: number, height: number, quality: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3)
  let seed = 12345
  for (let i = 0; i < raw.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    raw[i] = seed >>> 24
  }
  return await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality }).withDensity(300).toBuffer()
}
