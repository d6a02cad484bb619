/**
 * The pnm backend serving a real sample page (tests/fixtures/corpus/0000.jpg, A4 at 300 dpi) through saned: what
 * comes out must be the very pixels that went in, in colour (P6) and in gray (P5).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import { encodePng } from '../../../appliance/src/scanner/sane/index.js'
import { CORPUS } from '../../helpers/tmp.js'
import { client, saned } from './setup.js'

const PAGE = join(CORPUS, '0000.jpg')

async function writePnm (file: string, magic: 'P5' | 'P6', width: number, height: number, pixels: Buffer): Promise<void> {
  await writeFile(file, Buffer.concat([Buffer.from(`${magic}\n${width} ${height}\n255\n`, 'ascii'), pixels]))
}

t.test('pnm backend serves a real page', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-pnm-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  const { data: rgb, info } = await sharp(PAGE).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const colourFile = join(dir, 'page.ppm')
  await writePnm(colourFile, 'P6', info.width, info.height, rgb)
  const gray = await sharp(PAGE).toColourspace('b-w').raw().toBuffer()
  const grayFile = join(dir, 'page.pgm')
  await writePnm(grayFile, 'P5', info.width, info.height, gray)

  const server = await saned(t)
  const c = await client(t, server)
  const dev = await c.open('pnm:0')

  t.test('colour page (P6)', async t => {
    await dev.setOption('filename', colourFile)
    await dev.setOption('resolution', 300)
    const params = await dev.parameters()
    t.same([params.format, params.pixelsPerLine, params.lines, params.depth], ['rgb', info.width, info.height, 8])
    const started = performance.now()
    const image = await dev.scanPage()
    const ms = performance.now() - started
    t.same([image.width, image.height, image.channels, image.depth, image.dpi], [info.width, info.height, 3, 8, 300])
    t.same(Array.from(image.data.subarray(0, 3)), Array.from(rgb.subarray(0, 3)), 'top-left pixel')
    const mid = ((info.height >> 1) * info.width + (info.width >> 1)) * 3
    t.same(Array.from(image.data.subarray(mid, mid + 3)), Array.from(rgb.subarray(mid, mid + 3)), 'centre pixel')
    t.ok(image.data.equals(rgb), 'every pixel as in the file')
    t.comment(`${info.width}×${info.height} colour, ${(rgb.length / 1048576).toFixed(1)} MiB in ${ms.toFixed(0)} ms`)

    const png = await encodePng(image)
    const meta = await sharp(png).metadata()
    t.same([meta.width, meta.height, meta.density], [info.width, info.height, 300])
  })

  t.test('gray page (P5); setting an option ends the open batch first', async t => {
    // The colour scan above left pnm's batch open; without a CANCEL its next START would say EOF.
    await dev.setOption('filename', grayFile)
    const image = await dev.scanPage()
    t.same([image.width, image.height, image.channels], [info.width, info.height, 1])
    t.ok(image.data.equals(gray), 'every pixel as in the file')
  })

  t.test('a single-image source: START answers EOF for a second image, which is NO_DOCS', async t => {
    await t.rejects(dev.scanPage(), { code: 'SANE_NO_DOCS', details: { status: 'EOF', rpc: 'START' } })
    let pages = 0
    for await (const page of dev.scanBatch()) pages += page.channels
    t.equal(pages, 1, 'a batch from pnm is one page')
    const once = await dev.scanPage({ endBatch: true })
    const twice = await dev.scanPage({ endBatch: true })
    t.ok(once.data.equals(twice.data), 'endBatch: true sends CANCEL, so the next page can start')
  })

  t.test('a missing file is refused by the backend', async t => {
    await dev.setOption('filename', join(dir, 'nope.ppm'))
    await t.rejects(dev.scanPage(), { code: 'SANE_INVALID', details: { status: 'INVAL' } })
  })
})
