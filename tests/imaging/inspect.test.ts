import t from 'tap'
import sharp from 'sharp'
import { crc32 } from 'node:zlib'
import { isAppError } from '../../appliance/src/errors/index.js'
import { DEFAULT_MAX_PIXELS, inspectImage } from '../../appliance/src/imaging/index.js'
import { TiffReader } from '../../appliance/src/imaging/tiff.js'
import { corpusFile, corpusTruth, frameHeaderAt, jfif, makeTiff, noisyJpeg, withSegment } from './helpers.js'

const opts = { maxPixels: DEFAULT_MAX_PIXELS }

async function code (p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return isAppError(err) ? err.code : `not an AppError: ${String(err)}`
  }
}

function pngChunk (type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

function withoutChunk (png: Buffer, type: string): Buffer {
  const parts = [png.subarray(0, 8)]
  for (let pos = 8; pos < png.length;) {
    const end = pos + 12 + png.readUInt32BE(pos)
    if (png.toString('latin1', pos + 4, pos + 8) !== type) parts.push(png.subarray(pos, end))
    pos = end
  }
  return Buffer.concat(parts)
}

function pngHeaderOnly (width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 0 // grey
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr)])
}

t.test('corpus JPEGs: size and dpi from the headers, matching libvips', async t => {
  for (const truth of corpusTruth().slice(0, 6)) {
    const bytes = corpusFile(truth.file)
    const info = await inspectImage(bytes, opts)
    const meta = await sharp(bytes).metadata()
    t.match(info, { format: 'jpeg', mime: 'image/jpeg', pages: 1, width: meta.width, height: meta.height, dpi: truth.dpi }, truth.file)
    t.equal(info.pagesInfo, undefined)
  }
})

t.test('a 2 MB JPEG is inspected in a few milliseconds', async t => {
  const big = await noisyJpeg(2000, 1400, 90)
  t.ok(big.length > 2_000_000, `test image is ${(big.length / 1e6).toFixed(2)} MB`)
  await inspectImage(big, opts)
  const times: number[] = []
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now()
    await inspectImage(big, opts)
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]
  t.comment(`inspectImage on ${(big.length / 1e6).toFixed(1)} MB JPEG: median ${median.toFixed(2)} ms`)
  // Generous bound: other test files may load the CPU; a full decode of this image takes ~30 ms.
  t.ok(median < 15, `median ${median.toFixed(2)} ms`)
})

t.test('refusals by signature and emptiness', async t => {
  t.equal(await code(inspectImage(Buffer.alloc(0), opts)), 'EMPTY_BODY')
  t.equal(await code(inspectImage(Buffer.from('hello, not an image at all'), opts)), 'UNSUPPORTED_MEDIA_TYPE')
  t.equal(await code(inspectImage(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), opts)), 'UNSUPPORTED_MEDIA_TYPE')
  const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).webp().toBuffer()
  t.equal(await code(inspectImage(webp, opts)), 'UNSUPPORTED_MEDIA_TYPE')
  t.equal(await code(inspectImage(Buffer.from([0xff, 0xd8, 0xff]), opts)), 'IMAGE_TRUNCATED', 'JPEG signature alone')
})

t.test('JPEG structure', async t => {
  const jpeg = corpusFile('0001.jpg')
  t.equal(await code(inspectImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)), opts)), 'IMAGE_TRUNCATED', 'cut in the scan data')
  t.equal(await code(inspectImage(jpeg.subarray(0, jpeg.length - 2), opts)), 'IMAGE_TRUNCATED', 'only the EOI marker missing')
  t.equal(await code(inspectImage(jpeg.subarray(0, 300), opts)), 'IMAGE_TRUNCATED', 'cut in the headers')
  const padded = Buffer.concat([jpeg, Buffer.alloc(5000, 0x41)])
  t.equal((await inspectImage(padded, opts)).width, 1654, 'bytes after EOI are tolerated')

  const sof = frameHeaderAt(jpeg)
  const zeroWidth = Buffer.from(jpeg)
  zeroWidth.writeUInt16BE(0, sof + 7)
  t.equal(await code(inspectImage(zeroWidth, opts)), 'IMAGE_UNDECODABLE', 'zero width in the frame header')

  const noFrame = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xda, 0x00, 0x02, 0x12, 0x34, 0xff, 0xd9])])
  t.equal(await code(inspectImage(noFrame, opts)), 'IMAGE_UNDECODABLE', 'scan before any frame header')

  const bomb = Buffer.from(jpeg)
  bomb.writeUInt16BE(65000, sof + 5)
  bomb.writeUInt16BE(65000, sof + 7)
  const bombCut = bomb.subarray(0, sof + 20)
  t.equal(await code(inspectImage(bomb, opts)), 'IMAGE_TOO_MANY_PIXELS', '65000 x 65000 frame')
  t.equal(await code(inspectImage(bombCut, opts)), 'IMAGE_TOO_MANY_PIXELS', 'refused as a bomb even though also truncated')
  t.equal(await code(inspectImage(jpeg, { maxPixels: 1654 * 2338 - 1 })), 'IMAGE_TOO_MANY_PIXELS', 'limit is width x height')
  t.equal((await inspectImage(jpeg, { maxPixels: 1654 * 2338 })).height, 2338, 'exactly at the limit passes')
})

t.test('progressive JPEG and tiled TIFF', async t => {
  const progressive = await sharp(corpusFile('0002.jpg')).jpeg({ progressive: true, quality: 80 }).toBuffer()
  t.equal((await sharp(progressive).metadata()).isProgressive, true)
  t.match(await inspectImage(progressive, opts), { width: 1654, height: 2338 }, 'several scans, tables between them')
  t.equal(await code(inspectImage(progressive.subarray(0, Math.floor(progressive.length * 0.7)), opts)), 'IMAGE_TRUNCATED', 'cut in a later scan')
  const tiled = await sharp(corpusFile('0002.jpg')).tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'lzw' }).toBuffer()
  t.match(await inspectImage(tiled, opts), { format: 'tiff', width: 1654, height: 2338 })
  t.equal(await code(inspectImage(tiled.subarray(0, tiled.length - 3000), opts)), 'IMAGE_TRUNCATED', 'cut tiled TIFF')
  const reader = new TiffReader(tiled)
  const counts = reader.readIfd(reader.firstIfd).entries.get(325)! // TileByteCounts
  t.equal(counts.type, 4, 'LONG byte counts')
  const overlong = Buffer.from(tiled)
  overlong.writeUInt32LE(tiled.length, counts.at + (counts.count - 1) * 4)
  t.equal(await code(inspectImage(overlong, opts)), 'IMAGE_TRUNCATED', 'last tile runs past the end of the file')
})

t.test('JPEG resolution: EXIF, JFIF inch and cm, absent', async t => {
  const base = sharp({ create: { width: 40, height: 30, channels: 3, background: '#abc' } })
  const plain = await base.clone().jpeg().toBuffer()
  t.equal((await inspectImage(plain, opts)).dpi, null, 'no density anywhere (libvips would say 72)')
  t.equal((await inspectImage(await base.clone().jpeg().withDensity(300).toBuffer(), opts)).dpi, 300, 'EXIF XResolution')
  t.equal((await inspectImage(withSegment(plain, 0xe0, jfif(1, 150)), opts)).dpi, 150, 'JFIF dots per inch')
  t.equal((await inspectImage(withSegment(plain, 0xe0, jfif(2, 118)), opts)).dpi, 300, 'JFIF dots per cm')
  t.equal((await inspectImage(withSegment(plain, 0xe0, jfif(0, 1)), opts)).dpi, null, 'JFIF aspect ratio only')
  const badExif = withSegment(plain, 0xe1, Buffer.from('Exif\0\0II*\0\xff\xff\xff\x7f', 'latin1'))
  t.equal((await inspectImage(badExif, opts)).dpi, null, 'broken EXIF is ignored, not fatal')
})

t.test('PNG structure and resolution', async t => {
  const base = sharp({ create: { width: 64, height: 48, channels: 3, background: '#fff' } })
  const plain = await base.clone().png().toBuffer()
  const dense = await base.clone().png().withDensity(200).toBuffer()
  t.match(await inspectImage(plain, opts), { format: 'png', mime: 'image/png', width: 64, height: 48, dpi: 25, pages: 1 }, 'libvips writes 1 px/mm when unset')
  t.equal((await inspectImage(withoutChunk(plain, 'pHYs'), opts)).dpi, null, 'no pHYs chunk')
  t.equal((await inspectImage(dense, opts)).dpi, 200)
  t.equal(await code(inspectImage(plain.subarray(0, plain.length - 12), opts)), 'IMAGE_TRUNCATED', 'IEND missing')
  t.equal(await code(inspectImage(plain.subarray(0, 40), opts)), 'IMAGE_TRUNCATED', 'cut inside a chunk')
  const flipped = Buffer.from(plain)
  flipped[plain.length - 20] ^= 0x55 // inside IDAT
  t.equal(await code(inspectImage(flipped, opts)), 'IMAGE_UNDECODABLE', 'CRC mismatch')
  const noData = Buffer.concat([pngHeaderOnly(10, 10), pngChunk('IEND', Buffer.alloc(0))])
  t.equal(await code(inspectImage(noData, opts)), 'IMAGE_UNDECODABLE', 'no IDAT')
})

t.test('a 100000 x 100000 PNG header is refused without allocating', async t => {
  const header = pngHeaderOnly(100_000, 100_000)
  const rssBefore = process.memoryUsage().rss
  const t0 = performance.now()
  t.equal(await code(inspectImage(header, opts)), 'IMAGE_TOO_MANY_PIXELS')
  const withRest = Buffer.concat([header, pngChunk('IDAT', Buffer.alloc(100)), pngChunk('IEND', Buffer.alloc(0))])
  t.equal(await code(inspectImage(withRest, opts)), 'IMAGE_TOO_MANY_PIXELS')
  const ms = performance.now() - t0
  const grewMb = (process.memoryUsage().rss - rssBefore) / 1e6
  t.ok(ms < 1000, `refused in ${ms.toFixed(2)} ms (decoding would take minutes; the memory check below is the guard)`)
  t.ok(grewMb < 20, `RSS grew ${grewMb.toFixed(1)} MB (the image would need 10 GB)`)
  // Also with sharp's own limit as the only guard: our header math answers first, sharp agrees.
  await t.rejects(sharp(withRest, { limitInputPixels: DEFAULT_MAX_PIXELS }).metadata(), /pixel limit/)
})

t.test('TIFF: pages of different sizes, resolution, byte orders', async t => {
  const pages = [
    { width: 30, height: 20, dpi: 300, pixel: (x: number) => x * 8 },
    { width: 17, height: 41, dpi: 200, pixel: (_x: number, y: number) => y * 6 },
    { width: 25, height: 25, pixel: () => 128 }
  ]
  for (const little of [true, false]) {
    const { bytes } = makeTiff(pages, little)
    const info = await inspectImage(bytes, opts)
    t.match(info, { format: 'tiff', mime: 'image/tiff', pages: 3, width: 30, height: 20, dpi: 300 }, little ? 'II' : 'MM')
    t.same(info.pagesInfo, [{ width: 30, height: 20, dpi: 300 }, { width: 17, height: 41, dpi: 200 }, { width: 25, height: 25, dpi: null }])
    t.equal((await sharp(bytes).metadata()).pages, 3, 'libvips counts the same pages')
  }
  const big = await sharp({ create: { width: 50, height: 40, channels: 3, background: '#888' } }).tiff({ bigtiff: true, xres: 600 / 25.4, yres: 600 / 25.4 }).toBuffer()
  t.equal(big.toString('latin1', 0, 4), 'II+\0', 'sharp wrote a BigTIFF')
  t.match(await inspectImage(big, opts), { format: 'tiff', pages: 1, width: 50, height: 40, dpi: 600 })
  const g4 = await sharp(corpusFile('0001.jpg')).toColourspace('b-w').threshold(160).tiff({ compression: 'ccittfax4', bitdepth: 1, xres: 200 / 25.4, yres: 200 / 25.4 }).toBuffer()
  t.match(await inspectImage(g4, opts), { format: 'tiff', pages: 1, width: 1654, height: 2338, dpi: 200 }, 'CCITT G4 scan')
})

t.test('TIFF damage', async t => {
  const pages = [
    { width: 30, height: 20, dpi: 300, pixel: () => 10 },
    { width: 30, height: 20, dpi: 300, pixel: () => 200 }
  ]
  const { bytes, ifds, strips, nextFields } = makeTiff(pages)

  const cutInStrip = bytes.subarray(0, strips[1] + 100)
  t.equal(await code(inspectImage(cutInStrip, opts)), 'IMAGE_TRUNCATED', 'cut inside the second page')

  const farIfd = Buffer.from(bytes)
  farIfd.writeUInt32LE(bytes.length + 1000, nextFields[0])
  t.equal(await code(inspectImage(farIfd, opts)), 'IMAGE_TRUNCATED', 'IFD offset beyond the file')

  const farStrip = Buffer.from(bytes)
  // StripByteCounts of page 1 (entry 8 of its IFD) made to run past the end.
  farStrip.writeUInt32LE(bytes.length, ifds[1] + 2 + 8 * 12 + 8)
  t.equal(await code(inspectImage(farStrip, opts)), 'IMAGE_TRUNCATED', 'strip byte count beyond the file')

  const loop = Buffer.from(bytes)
  loop.writeUInt32LE(ifds[0], nextFields[1])
  t.equal(await code(inspectImage(loop, opts)), 'IMAGE_UNDECODABLE', 'IFD chain loops')

  const bomb = Buffer.from(bytes)
  bomb.writeUInt32LE(100_000, ifds[1] + 2 + 8)
  bomb.writeUInt32LE(100_000, ifds[1] + 2 + 12 + 8)
  t.equal(await code(inspectImage(bomb, opts)), 'IMAGE_TOO_MANY_PIXELS', 'second page claims 10 GP')
  const err = await inspectImage(bomb, opts).catch(e => e)
  t.equal(err.details.page, 1, 'names the page')

  t.equal(await code(inspectImage(Buffer.from('II*\0\x08\0\0\0\x00', 'latin1'), opts)), 'IMAGE_TRUNCATED', 'IFD count cut off')
  t.equal(await code(inspectImage(Buffer.from('II*\0\x02\0\0\0\x00\x00\x00\x00', 'latin1'), opts)), 'IMAGE_UNDECODABLE', 'IFD inside the header')
})
