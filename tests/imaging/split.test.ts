import t from 'tap'
import sharp from 'sharp'
import { DEFAULT_MAX_PIXELS, inspectImage, splitPages } from '../../appliance/src/imaging/index.js'
import { corpusFile, makeTiff } from './helpers.js'

const opts = { maxPixels: DEFAULT_MAX_PIXELS }

t.test('a multi-page TIFF becomes one lossless PNG per page, density kept', async t => {
  const pages = [
    { width: 30, height: 20, dpi: 300, pixel: (x: number, y: number) => (x * 7 + y * 3) % 256 },
    { width: 17, height: 41, dpi: 200, pixel: (x: number, y: number) => (x * y) % 256 },
    { width: 25, height: 25, pixel: (x: number) => (x % 2) * 255 }
  ]
  const { bytes } = makeTiff(pages)
  const info = await inspectImage(bytes, opts)
  const masters = await splitPages(bytes, info)
  t.equal(masters.length, 3)
  for (let i = 0; i < pages.length; i++) {
    const spec = pages[i]
    const pageInfo = await inspectImage(masters[i], opts)
    t.match(pageInfo, { format: 'png', pages: 1, width: spec.width, height: spec.height, dpi: spec.dpi ?? null }, `page ${i}`)
    t.equal((await sharp(masters[i]).metadata()).channels, 1, 'grey stays grey (not widened to sRGB)')
    const { data } = await sharp(masters[i]).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })
    let same = true
    for (let y = 0; y < spec.height && same; y++) {
      for (let x = 0; x < spec.width; x++) if (data[y * spec.width + x] !== spec.pixel(x, y)) { same = false; break }
    }
    t.ok(same, `page ${i}: every pixel identical`)
  }
})

t.test('16-bit pages stay 16-bit', async t => {
  const { bytes } = makeTiff([
    { width: 8, height: 8, dpi: 300, bits: 16, pixel: (x, y) => x * 8000 + y },
    { width: 8, height: 8, dpi: 300, bits: 16, pixel: () => 65535 }
  ])
  const masters = await splitPages(bytes, await inspectImage(bytes, opts))
  const meta = await sharp(masters[0]).metadata()
  t.equal(meta.depth, 'ushort')
  const { data } = await sharp(masters[0]).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true })
  const values = new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
  t.equal(values[3 * 8 + 5], 5 * 8000 + 3, 'a 16-bit sample survives exactly')
})

t.test('anything else is its own master, untouched', async t => {
  const jpeg = corpusFile('0002.jpg')
  const out = await splitPages(jpeg, await inspectImage(jpeg, opts))
  t.equal(out.length, 1)
  t.equal(out[0], jpeg, 'the very same buffer')
  const single = makeTiff([{ width: 10, height: 10, dpi: 300, pixel: () => 0 }]).bytes
  const out2 = await splitPages(single, await inspectImage(single, opts))
  t.equal(out2[0], single, 'a single-page TIFF is kept as uploaded')
})

t.test('a page whose data cannot be decoded is refused, not turned blank', async t => {
  const { bytes, ifds } = makeTiff([
    { width: 30, height: 20, dpi: 300, pixel: () => 1 },
    { width: 30, height: 20, dpi: 300, pixel: () => 2 }
  ])
  const info = await inspectImage(bytes, opts)
  const broken = Buffer.from(bytes)
  const compression = ifds[1] + 2 + 3 * 12 // 4th entry of page 1's IFD
  t.equal(broken.readUInt16LE(compression), 259, 'found the Compression entry')
  broken.writeUInt16LE(7, compression + 8) // JPEG, but the strip holds raw bytes
  await t.rejects(splitPages(broken, info), { name: 'AppError', code: 'IMAGE_UNDECODABLE' })
})
