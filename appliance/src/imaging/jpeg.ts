/**
 * JPEG structure, read without decoding pixels: walks the marker segments from SOI, takes the size from the frame
 * header (SOFn) and the resolution from EXIF or JFIF, skips over each scan's entropy-coded data, and requires an
 * EOI marker after the last scan. Bytes after EOI (some scanners pad files) are ignored.
 */
import { AppError } from '../errors/index.js'
import { checkPixels } from './limits.js'
import { TiffReader } from './tiff.js'
import type { PageInfo } from './types.js'

const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda
const APP0 = 0xe0
const APP1 = 0xe1

function truncated (reason: string): AppError {
  return new AppError('IMAGE_TRUNCATED', { format: 'jpeg', reason })
}

function broken (reason: string): AppError {
  return new AppError('IMAGE_UNDECODABLE', { format: 'jpeg', reason })
}

/** Frame headers: SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isFrameHeader (marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
}

/** Markers that stand alone, without a length: TEM and RST0-7 (SOI/EOI are handled by the walk). */
function isStandalone (marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)
}

export function parseJpeg (buf: Buffer, maxPixels: number): PageInfo {
  if (buf.length < 4) throw truncated('shorter than a header')
  if (buf[0] !== 0xff || buf[1] !== SOI) throw broken('no start-of-image marker')
  let frame: { width: number, height: number } | null = null
  let jfifDpi: number | null = null
  let exifDpi: number | null = null
  let scans = 0
  let pos = 2
  for (;;) {
    if (pos >= buf.length) throw truncated('no end-of-image marker')
    if (buf[pos] !== 0xff) {
      // libjpeg skips stray bytes before a marker with a warning ("extraneous bytes"); so do we.
      const ff = buf.indexOf(0xff, pos)
      if (ff < 0) throw truncated('no end-of-image marker')
      pos = ff
    }
    while (pos < buf.length && buf[pos] === 0xff) pos++ // fill bytes may precede any marker
    if (pos >= buf.length) throw truncated('no end-of-image marker')
    const marker = buf[pos++]
    if (marker === EOI) break
    if (marker === SOI) throw broken('second start-of-image marker')
    if (isStandalone(marker)) continue
    if (pos + 2 > buf.length) throw truncated('segment header')
    const length = buf.readUInt16BE(pos)
    if (length < 2) throw broken('segment length below 2')
    const end = pos + length
    if (end > buf.length) throw truncated('segment beyond the end of the file')
    const data = pos + 2

    if (isFrameHeader(marker)) {
      if (length < 8) throw broken('short frame header')
      if (frame === null) {
        const height = buf.readUInt16BE(data + 1)
        const width = buf.readUInt16BE(data + 3)
        // Height 0 (defined later by a DNL marker) is legal but unsupported by libjpeg's usual builds.
        if (width === 0 || height === 0) throw broken('zero width or height')
        checkPixels(width, height, maxPixels)
        frame = { width, height }
      }
    } else if (marker === APP0 && jfifDpi === null) {
      jfifDpi = readJfifDpi(buf, data, end)
    } else if (marker === APP1 && exifDpi === null) {
      exifDpi = readExifDpi(buf, data, end)
    }

    pos = end
    if (marker === SOS) {
      if (frame === null) throw broken('scan before frame header')
      pos = skipEntropyData(buf, pos)
      scans++
    }
  }
  if (frame === null) throw broken('no frame header')
  if (scans === 0) throw broken('no image data')
  return { ...frame, dpi: exifDpi ?? jfifDpi }
}

/**
 * Returns the position of the marker that ends a scan. Inside entropy-coded data 0xFF is followed by 0x00 (a
 * stuffed byte), RST0-7, or more 0xFF fill bytes; anything else is the next marker.
 */
function skipEntropyData (buf: Buffer, from: number): number {
  let pos = from
  for (;;) {
    const ff = buf.indexOf(0xff, pos)
    if (ff < 0 || ff + 1 >= buf.length) throw truncated('image data cut off before the end-of-image marker')
    const next = buf[ff + 1]
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) pos = ff + 2
    else if (next === 0xff) pos = ff + 1
    else return ff
  }
}

/** JFIF APP0: "JFIF\0", version, units (1 = per inch, 2 = per cm, 0 = aspect ratio only), Xdensity, Ydensity. */
function readJfifDpi (buf: Buffer, data: number, end: number): number | null {
  if (end - data < 12 || buf.toString('latin1', data, data + 5) !== 'JFIF\0') return null
  const units = buf[data + 7]
  const x = buf.readUInt16BE(data + 8)
  if (x === 0) return null
  return units === 1 ? x : units === 2 ? Math.round(x * 2.54) : null
}

/** EXIF APP1: "Exif\0\0" then a TIFF block whose IFD0 may carry XResolution and ResolutionUnit. */
function readExifDpi (buf: Buffer, data: number, end: number): number | null {
  if (end - data < 14 || buf.toString('latin1', data, data + 6) !== 'Exif\0\0') return null
  try {
    const r = new TiffReader(buf, data + 6, end)
    return r.dpi(r.readIfd(r.firstIfd))
  } catch {
    // Broken metadata does not make a broken picture; libvips ignores it too.
    return null
  }
}
