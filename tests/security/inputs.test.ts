// Issue 15, item 11 against the real appliance: a file's pages together have a pixel budget (a TIFF of many pages, a
// many-page PDF: refused from their headers or plan, nothing stored), and uploads taken at once are bounded: one
// more is answered 429 with Retry-After before its body is read, and the slot comes back when the first ends.
import { request as httpRequest } from 'node:http'
import sharp from 'sharp'
import t from 'tap'
import { createToken, startAppliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { manyPagesPdf } from '../imaging/pdf-fixtures.js'

/** A multi-page bilevel (G4) TIFF of blank `side`×`side` pages: a few KB that claims many pixels. */
async function blankTiff (pages: number, side: number): Promise<Buffer> {
  const raw = Buffer.alloc(side * side * pages, 255)
  return await sharp(raw, { raw: { width: side, height: side * pages, channels: 1, pageHeight: side } as any })
    .toColourspace('b-w').threshold(128).tiff({ compression: 'ccittfax4', bitdepth: 1 }).toBuffer()
}

t.test('pixel budget per file and bounded concurrent uploads', async t => {
  const app = await startAppliance({ dataDir: await tempDir(t), env: { SOHOA_MAX_FILE_PIXELS: '1000000', SOHOA_MAX_CONCURRENT_UPLOADS: '1' } })
  t.teardown(() => app.stop())
  const ingest = (await createToken(app.url, 'ingest')).secret
  const admin = (await createToken(app.url, 'admin')).secret
  const post = async (bytes: Buffer, type: string): Promise<{ status: number, body: any, headers: Headers }> => {
    const res = await fetch(`${app.url}/api/v1/pages?unit=622`, { method: 'POST', headers: { authorization: `Bearer ${ingest}`, 'content-type': type }, body: new Uint8Array(bytes) })
    return { status: res.status, body: await res.json(), headers: res.headers }
  }
  const recordCount = async (): Promise<number> => (await (await fetch(`${app.url}/api/v1/records?limit=100`, { headers: { authorization: `Bearer ${admin}` } })).json() as any).records.length

  await t.test('a file whose pages together pass the budget is refused before decoding', async t => {
    const bomb = await blankTiff(3, 600) // 3 × 360,000 = 1.08 MP > 1 MP; each page alone is far under the page limit
    t.ok(bomb.length < 20_000, `a small file (${bomb.length} bytes)`)
    const refused = await post(bomb, 'image/tiff')
    t.equal(refused.status, 422)
    t.match(refused.body, { error: 'FILE_TOO_MANY_PIXELS', details: { pages: 3, totalPixels: 1_080_000, maxFilePixels: 1_000_000 }, message: /điểm ảnh/ })
    const jpeg = await sharp({ create: { width: 500, height: 500, channels: 3, background: '#fff' } }).jpeg().toBuffer()
    const pdf = await post(manyPagesPdf(5, jpeg, [500, 500]), 'application/pdf') // 5 × 250,000 px
    t.equal(pdf.status, 422, 'a many-page PDF too, from its plan')
    t.match(pdf.body, { error: 'FILE_TOO_MANY_PIXELS', details: { pages: 5, totalPixels: 1_250_000 } })
    t.equal(await recordCount(), 0, 'nothing was stored')
    const fits = await post(await blankTiff(2, 600), 'image/tiff')
    t.equal(fits.status, 201, 'under the budget: taken')
    t.equal(fits.body.pages.length, 2, 'a master per page, written one by one')
  })

  await t.test('one upload more than the limit is 429 with Retry-After, before its body', async t => {
    const file = await sharp({ create: { width: 80, height: 60, channels: 3, background: '#abc' } }).jpeg().toBuffer()
    const url = new URL(`${app.url}/api/v1/pages?unit=622`)
    // The first upload sends half its body and waits: it holds the only slot.
    let answer!: (v: { status: number, body: string }) => void
    const first = new Promise<{ status: number, body: string }>(resolve => { answer = resolve })
    const slow = httpRequest({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'POST', headers: { authorization: `Bearer ${ingest}`, 'content-type': 'image/jpeg', 'content-length': file.length } }, res => {
      let body = ''
      res.on('data', (d: Buffer) => { body += d.toString() })
      res.on('end', () => answer({ status: res.statusCode!, body }))
    })
    slow.write(file.subarray(0, 100))
    await new Promise(resolve => setTimeout(resolve, 300))
    const busy = await post(file, 'image/jpeg')
    t.equal(busy.status, 429, 'a second upload meanwhile is refused')
    t.equal(busy.headers.get('retry-after'), '2', 'with Retry-After')
    t.match(busy.body, { error: 'UPLOADS_BUSY', messageEn: /Too many uploads/ })
    slow.end(file.subarray(100))
    t.equal((await first).status, 201, 'the first upload completes')
    const after = await post(file, 'image/jpeg')
    t.equal(after.status, 200, 'and then the slot is free again (the same bytes: the first one\'s record)')
    t.match(after.body, { duplicate: true })
  })
})
