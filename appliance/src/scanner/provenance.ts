/**
 * Where a scanned page came from, written into its PNG as text chunks (scanner, batch, sheet number, time).
 * Besides telling an archivist which device and batch made a master, it makes every sheet a file of its own:
 * intake treats identical bytes in one unit as one upload (a retry), and two sheets can have identical pixels
 * (blank separator sheets, a virtual test scanner), yet they are two pages of the batch.
 */
import { crc32 } from 'node:zlib'

export interface Provenance {
  /** Vendor, model and SANE device name. */
  source: string
  batchId: string
  /** The sheet's number in its batch, from 1. */
  n: number
  scannedAt: Date
}

const IEND_CHUNK = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82])
/** Our own keyword; `Source` and `Creation Time` are keywords the PNG specification defines. */
export const SCAN_KEYWORD = 'sohoa:scan'

/** The PNG with tEXt chunks added before IEND (Latin-1 text, as tEXt requires; non-Latin characters become '?'). */
export function withProvenance (png: Buffer, p: Provenance): Buffer {
  if (png.length < IEND_CHUNK.length || !png.subarray(png.length - IEND_CHUNK.length).equals(IEND_CHUNK)) {
    throw new Error('not a PNG that ends with IEND')
  }
  const chunks = [
    textChunk('Source', p.source),
    textChunk('Creation Time', p.scannedAt.toISOString()),
    textChunk(SCAN_KEYWORD, `${p.batchId}#${p.n}`)
  ]
  return Buffer.concat([png.subarray(0, png.length - IEND_CHUNK.length), ...chunks, IEND_CHUNK])
}

/** Reads our `batchId#n` back from a PNG (undefined when absent): for audits and tests. */
export function readProvenance (png: Buffer): { batchId: string, n: number } | undefined {
  for (let at = 8; at + 12 <= png.length;) {
    const length = png.readUInt32BE(at)
    const type = png.toString('latin1', at + 4, at + 8)
    if (type === 'tEXt') {
      const body = png.subarray(at + 8, at + 8 + length)
      const nul = body.indexOf(0)
      if (nul > 0 && body.toString('latin1', 0, nul) === SCAN_KEYWORD) {
        const match = /^(.+)#(\d+)$/.exec(body.toString('latin1', nul + 1))
        if (match !== null) return { batchId: match[1], n: Number(match[2]) }
      }
    }
    if (type === 'IEND') break
    at += 12 + length
  }
  return undefined
}

function textChunk (keyword: string, text: string): Buffer {
  const body = Buffer.from(`${keyword}\0${text.replace(/[^\u0020-\u007e\u00a1-\u00ff]/g, '?')}`, 'latin1')
  const head = Buffer.alloc(8)
  head.writeUInt32BE(body.length, 0)
  head.write('tEXt', 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0)
  return Buffer.concat([head, body, crc])
}
