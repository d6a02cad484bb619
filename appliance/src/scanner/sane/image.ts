/**
 * Turns the frames of one page into one interleaved image. Handles gray and RGB single frames, three-pass
 * RED/GREEN/BLUE frames in any order, depths 1, 8 and 16, padded lines (bytes_per_line larger than the
 * pixels need) and frames whose line count was unknown (-1) until the data ended.
 * Depth 1 is expanded to 8 bits: in a gray frame bit 1 is black (the standard inverts lineart), in colour
 * frames bit 1 is full intensity. 16-bit samples are converted from the byte order START announced to the
 * byte order of this machine, so `new Uint16Array(data.buffer, data.byteOffset, data.length / 2)` reads them.
 */
import { endianness } from 'node:os'
import type { SaneParameters } from './codec.js'
import { BYTE_ORDER_BIG, BYTE_ORDER_LITTLE, type FrameFormat } from './constants.js'
import { AppError } from '../../errors/index.js'
import { protocolError } from './errors.js'

export interface ScannedImage {
  width: number
  height: number
  channels: 1 | 3
  /** Bits per sample in `data`: 8, or 16 when the scanner sent 16. */
  depth: 8 | 16
  /** Row-major, channels interleaved (RGB), no padding. 16-bit samples in this machine's byte order. */
  data: Buffer
  /** Resolution read from the `resolution` (or `x-resolution`) option at start; null if the device has none. */
  dpi: number | null
  /** The depth the scanner delivered (1 means the image is black and white). */
  sourceDepth: 1 | 8 | 16
}

export interface RawFrame {
  params: SaneParameters
  data: Buffer
  /** byte_order of the START reply (0x1234 little-endian, 0x4321 big-endian). */
  byteOrder: number
}

const CHANNEL_OF: Partial<Record<FrameFormat, number>> = { red: 0, green: 1, blue: 2 }
const NATIVE_LITTLE = endianness() === 'LE'

export function assembleImage (frames: RawFrame[], dpi: number | null): ScannedImage {
  if (frames.length === 0) throw protocolError('no-frames')
  const first = frames[0].params
  const { depth, pixelsPerLine: width } = first
  if (depth !== 1 && depth !== 8 && depth !== 16) throw protocolError('unsupported-depth', { depth })
  if (width <= 0) throw protocolError('bad-pixels-per-line', { pixelsPerLine: width })
  const singleFrame = first.format === 'gray' || first.format === 'rgb'
  if (singleFrame ? frames.length !== 1 : !isThreePass(frames)) {
    throw protocolError('unexpected-frame-sequence', { formats: frames.map(f => f.params.format) })
  }
  const channels = first.format === 'rgb' || !singleFrame ? 3 : 1
  for (const f of frames) {
    if (f.params.depth !== depth || f.params.pixelsPerLine !== width) throw protocolError('frames-disagree')
    const samplesPerLine = f.params.format === 'rgb' ? 3 : 1
    const minBytes = depth === 1 ? samplesPerLine * Math.ceil(width / 8) : samplesPerLine * width * depth / 8
    if (f.params.bytesPerLine < minBytes) {
      throw protocolError('bytes-per-line-too-small', { bytesPerLine: f.params.bytesPerLine, minBytes })
    }
  }
  const height = Math.min(...frames.map(frameLines))
  // EOF before a single line: nothing to store, and no image format takes a height of 0.
  if (height === 0) throw new AppError('SANE_IO_ERROR', { reason: 'empty-image', bytes: frames.map(f => f.data.length) })
  const outDepth = depth === 16 ? 16 : 8
  const data = Buffer.alloc(width * height * channels * (outDepth / 8))
  for (const frame of frames) {
    const channel = CHANNEL_OF[frame.params.format]
    for (let y = 0; y < height; y++) {
      const row = frame.data.subarray(y * frame.params.bytesPerLine, (y + 1) * frame.params.bytesPerLine)
      if (depth === 1) putBitRow(data, row, y, width, channels, frame.params.format, channel)
      else if (depth === 8) putByteRow(data, row, y, width, channels, channel)
      else putWordRow(data, row, y, width, channels, channel, frame.byteOrder)
    }
  }
  return { width, height, channels, depth: outDepth, data, dpi, sourceDepth: depth }
}

function isThreePass (frames: RawFrame[]): boolean {
  const formats = frames.map(f => f.params.format).sort()
  return formats.length === 3 && formats.join() === 'blue,green,red'
}

/**
 * Whole lines received. The data decide, not `lines`: it is -1 for hand scanners, and feeders may end a
 * page early. A trailing partial line (a hand scanner stopped mid-line) is dropped.
 */
function frameLines (frame: RawFrame): number {
  return Math.floor(frame.data.length / frame.params.bytesPerLine)
}

function putByteRow (out: Buffer, row: Buffer, y: number, width: number, channels: number, channel: number | undefined): void {
  const base = y * width * channels
  if (channel === undefined) {
    row.copy(out, base, 0, width * channels)
    return
  }
  for (let x = 0; x < width; x++) out[base + x * 3 + channel] = row[x]
}

function putWordRow (out: Buffer, row: Buffer, y: number, width: number, channels: number, channel: number | undefined, byteOrder: number): void {
  if (byteOrder !== BYTE_ORDER_LITTLE && byteOrder !== BYTE_ORDER_BIG) throw protocolError('unknown-byte-order', { byteOrder })
  const sourceLittle = byteOrder === BYTE_ORDER_LITTLE
  const base = y * width * channels * 2
  if (channel === undefined && sourceLittle === NATIVE_LITTLE) {
    row.copy(out, base, 0, width * channels * 2)
    return
  }
  const samples = channel === undefined ? width * channels : width
  for (let i = 0; i < samples; i++) {
    const value = sourceLittle ? row[2 * i] | (row[2 * i + 1] << 8) : (row[2 * i] << 8) | row[2 * i + 1]
    const at = base + 2 * (channel === undefined ? i : i * 3 + channel)
    if (NATIVE_LITTLE) out.writeUInt16LE(value, at)
    else out.writeUInt16BE(value, at)
  }
}

function putBitRow (out: Buffer, row: Buffer, y: number, width: number, channels: number, format: FrameFormat, channel: number | undefined): void {
  const base = y * width * channels
  for (let x = 0; x < width; x++) {
    const shift = 7 - (x & 7)
    if (format === 'gray') {
      out[base + x] = ((row[x >> 3] >> shift) & 1) === 1 ? 0 : 255
    } else if (format === 'rgb') {
      // Colour lineart is byte-interleaved: a red byte of 8 pixels, then green, then blue.
      for (let c = 0; c < 3; c++) out[base + x * 3 + c] = ((row[(x >> 3) * 3 + c] >> shift) & 1) === 1 ? 255 : 0
    } else {
      out[base + x * 3 + (channel as number)] = ((row[x >> 3] >> shift) & 1) === 1 ? 255 : 0
    }
  }
}
