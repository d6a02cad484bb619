/**
 * Scanning through a real saned with the test backend: gray and colour at depths 1, 8 and 16, three-pass
 * frames, hand-scanner frames of unknown length, padded lines, progress, and lossless PNG with the dpi.
 * Default geometry of the test backend: 80 × 100 mm, so 157 × 196 pixels at 50 dpi.
 */
import sharp from 'sharp'
import t from 'tap'
import { encodePng, type ScannedImage } from '../../../appliance/src/scanner/sane/index.js'
import { client, saned } from './setup.js'

const WIDTH_50 = Math.floor(50 * 80 / 25.4)
const HEIGHT_50 = Math.floor(50 * 100 / 25.4)

function samples16 (image: ScannedImage): Uint16Array {
  return new Uint16Array(image.data.buffer, image.data.byteOffset, image.data.length / 2)
}

function pixel (image: ScannedImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * image.channels
  return Array.from(image.depth === 16 ? samples16(image).subarray(at, at + image.channels) : image.data.subarray(at, at + image.channels))
}

t.test('scanning pages from the test backend', async t => {
  const server = await saned(t)
  const c = await client(t, server)
  const dev = await c.open('test:0')

  async function configure (options: Record<string, string | number | boolean>): Promise<void> {
    for (const [name, value] of Object.entries(options)) await dev.setOption(name, value)
  }

  t.test('gray, 8-bit, solid black: all samples zero, size as the parameters say', async t => {
    await configure({ mode: 'Gray', depth: 8, 'test-picture': 'Solid black' })
    const params = await dev.parameters()
    const image = await dev.scanPage()
    t.same([image.width, image.height, image.channels, image.depth, image.sourceDepth, image.dpi],
      [WIDTH_50, HEIGHT_50, 1, 8, 8, 50])
    t.same([image.width, image.height], [params.pixelsPerLine, params.lines])
    t.equal(image.data.length, WIDTH_50 * HEIGHT_50)
    t.ok(image.data.every(v => v === 0))
  })

  t.test('gray, 1-bit: 1 is black in SANE lineart, expanded to 8-bit gray', async t => {
    await configure({ mode: 'Gray', depth: 1, 'test-picture': 'Solid black' })
    const params = await dev.parameters()
    t.same([params.depth, params.bytesPerLine], [1, Math.ceil(WIDTH_50 / 8)])
    const black = await dev.scanPage()
    t.same([black.width, black.height, black.depth, black.sourceDepth], [WIDTH_50, HEIGHT_50, 8, 1])
    t.ok(black.data.every(v => v === 0), 'solid black')
    await dev.setOption('test-picture', 'Solid white')
    const white = await dev.scanPage()
    t.ok(white.data.every(v => v === 255), 'solid white')
  })

  t.test('colour, 1-bit: byte-interleaved colour lineart', async t => {
    await configure({ mode: 'Color', depth: 1, 'test-picture': 'Color pattern' })
    const image = await dev.scanPage()
    t.same([image.width, image.height, image.channels, image.depth, image.sourceDepth], [WIDTH_50, HEIGHT_50, 3, 8, 1])
    // Blocks of 16 pixels cycle through colour numbers 0..7 (bit 2 red, bit 1 green, bit 0 blue);
    // from line 16 the cycle starts at 7 and counts down.
    t.same(pixel(image, 0, 0), [0, 0, 0])
    t.same(pixel(image, 16, 0), [0, 0, 255])
    t.same(pixel(image, 40, 3), [0, 255, 0])
    t.same(pixel(image, 70, 5), [255, 0, 0])
    t.same(pixel(image, 0, 20), [255, 255, 255])
    t.same(pixel(image, 20, 20), [255, 255, 0])
  })

  t.test('colour, 8-bit and 16-bit, solid white', async t => {
    await configure({ mode: 'Color', depth: 8, 'test-picture': 'Solid white' })
    const rgb8 = await dev.scanPage()
    t.same([rgb8.channels, rgb8.depth, rgb8.data.length], [3, 8, WIDTH_50 * HEIGHT_50 * 3])
    t.ok(rgb8.data.every(v => v === 255))
    await dev.setOption('depth', 16)
    const rgb16 = await dev.scanPage()
    t.same([rgb16.channels, rgb16.depth, rgb16.data.length], [3, 16, WIDTH_50 * HEIGHT_50 * 6])
    t.ok(samples16(rgb16).every(v => v === 65535))
  })

  t.test('gray, 16-bit: samples keep their value across the byte-order conversion', async t => {
    await configure({ mode: 'Gray', depth: 16, 'test-picture': 'Color pattern' })
    const image = await dev.scanPage()
    t.same([image.channels, image.depth, image.width, image.height], [1, 16, WIDTH_50, HEIGHT_50])
    // The pattern: from pixel 4 and line 4, sample (x-4, y) = (x-4) * 256 + (y-4); a 0x5555 border.
    t.same(pixel(image, 0, 0), [0x5555])
    t.same(pixel(image, 4, 4), [0])
    t.same(pixel(image, 10, 20), [6 * 256 + 16])
    t.same(pixel(image, 150, 190), [146 * 256 + 186])
  })

  t.test('three-pass RED/GREEN/BLUE frames assemble to the single-pass RGB image', async t => {
    await configure({ mode: 'Color', depth: 8, 'test-picture': 'Grid', 'three-pass': false })
    const single = await dev.scanPage()
    await dev.setOption('three-pass', true)
    const frames: string[] = []
    const threePass = await dev.scanPage({ onProgress: p => { if (!frames.includes(p.format)) frames.push(p.format) } })
    t.same(frames, ['red', 'green', 'blue'])
    t.same([threePass.width, threePass.height, threePass.channels], [single.width, single.height, 3])
    t.ok(threePass.data.equals(single.data), 'same pixels')
    t.ok(single.data.includes(0) && single.data.includes(255), 'the grid has black and white')
    await dev.setOption('three-pass-order', 'BGR')
    const frames2: string[] = []
    const bgr = await dev.scanPage({ onProgress: p => { if (!frames2.includes(p.format)) frames2.push(p.format) } })
    t.same(frames2, ['blue', 'green', 'red'])
    t.ok(bgr.data.equals(single.data), 'frame order does not matter')
    await dev.setOption('three-pass', false)
  })

  t.test('hand scanner: lines = -1, height computed from the data', async t => {
    await configure({ mode: 'Gray', depth: 8, 'test-picture': 'Solid black', 'hand-scanner': true })
    const params = await dev.parameters()
    t.equal(params.lines, -1)
    const expected: Array<number | null> = []
    const image = await dev.scanPage({ onProgress: p => expected.push(p.bytesExpected) })
    t.same([image.width, image.height], [Math.floor(50 * 110 / 25.4), Math.floor(50 * 170 / 25.4)])
    t.ok(expected.length > 0 && expected.every(e => e === null), 'no size known in advance')
    await dev.setOption('hand-scanner', false)
  })

  t.test('padded lines: bytes_per_line larger than the pixels need', async t => {
    await configure({ mode: 'Gray', depth: 8, 'test-picture': 'Grid', 'ppl-loss': 0 })
    const full = await dev.scanPage()
    await dev.setOption('ppl-loss', 7)
    const params = await dev.parameters()
    t.same([params.pixelsPerLine, params.bytesPerLine], [WIDTH_50 - 7, WIDTH_50])
    const padded = await dev.scanPage()
    t.same([padded.width, padded.height], [WIDTH_50 - 7, HEIGHT_50])
    let same = true
    for (let y = 0; y < padded.height; y++) {
      const a = padded.data.subarray(y * padded.width, (y + 1) * padded.width)
      const b = full.data.subarray(y * full.width, y * full.width + padded.width)
      if (!a.equals(b)) same = false
    }
    t.ok(same, 'padding dropped, pixels kept')
    await dev.setOption('ppl-loss', 0)
  })

  t.test('progress reports bytes read against bytes expected', async t => {
    await configure({ mode: 'Color', depth: 8, 'test-picture': 'Grid', resolution: 150 })
    const params = await dev.parameters()
    const seen: Array<[number, number | null]> = []
    const image = await dev.scanPage({ onProgress: p => seen.push([p.bytesRead, p.bytesExpected]) })
    const total = params.lines * params.bytesPerLine
    t.ok(seen.length > 1, `${seen.length} progress events`)
    t.same(seen[seen.length - 1], [total, total])
    t.ok(seen.every(([read], i) => i === 0 || read > seen[i - 1][0]), 'monotonic')
    t.equal(image.dpi, 150)
    await dev.setOption('resolution', 50)
  })

  t.test('PNG: lossless, gray stays gray, 16-bit stays 16-bit, real dpi', async t => {
    await configure({ mode: 'Gray', depth: 16, 'test-picture': 'Color pattern', resolution: 72 })
    const gray16 = await dev.scanPage()
    const png16 = await encodePng(gray16)
    const meta16 = await sharp(png16).metadata()
    t.same([meta16.format, meta16.width, meta16.height, meta16.channels, meta16.depth, meta16.density],
      ['png', gray16.width, gray16.height, 1, 'ushort', 72])
    const back16 = await sharp(png16).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer()
    t.ok(back16.equals(gray16.data), '16-bit samples identical after decoding')

    await configure({ depth: 1, 'test-picture': 'Grid' })
    const lineart = await dev.scanPage()
    const png1 = await encodePng(lineart)
    const meta1 = await sharp(png1).metadata()
    t.same([meta1.channels, meta1.depth, meta1.density], [1, 'uchar', 72])
    t.ok((await sharp(png1).toColourspace('b-w').raw().toBuffer()).equals(lineart.data))

    await configure({ mode: 'Color', depth: 8 })
    const rgb = await dev.scanPage()
    const pngRgb = await encodePng(rgb)
    const metaRgb = await sharp(pngRgb).metadata()
    t.same([metaRgb.channels, metaRgb.depth, metaRgb.density], [3, 'uchar', 72])
    t.ok((await sharp(pngRgb).raw().toBuffer()).equals(rgb.data))
    await dev.setOption('resolution', 50)
  })

  t.test('a full 200 × 200 mm colour page at 300 dpi', async t => {
    await configure({ mode: 'Color', depth: 8, 'test-picture': 'Grid', resolution: 300, 'br-x': 200, 'br-y': 200 })
    const started = performance.now()
    const image = await dev.scanPage()
    const ms = performance.now() - started
    t.same([image.width, image.height], [Math.floor(300 * 200 / 25.4), Math.floor(300 * 200 / 25.4)])
    t.comment(`${(image.data.length / 1048576).toFixed(1)} MiB in ${ms.toFixed(0)} ms (${(image.data.length / 1048576 / ms * 1000).toFixed(0)} MiB/s)`)
    await configure({ resolution: 50, 'br-x': 80, 'br-y': 100 })
  })
})
