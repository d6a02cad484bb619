// A scanned stack becomes the right records: separator cover sheets (printed by the appliance, rasterised like a
// scanner would) start records and fill their codes, blank duplex backs stay out of the records, and each record's
// fields are read from its own pages.
import { execFile } from 'node:child_process'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import sharp from 'sharp'
import t from 'tap'
import { createToken, startAppliance, truth, waitForBatch } from '../helpers/appliance.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'

const run = promisify(execFile)

/** An A4 200 dpi page of off-white paper with scanner noise (each one different, so none is a duplicate). */
async function blankPage (seed: number): Promise<Buffer> {
  const w = 1654
  const h = 2339
  const px = Buffer.alloc(w * h)
  let x = seed * 7919 + 1
  for (let i = 0; i < px.length; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; px[i] = 236 + (x % 9) }
  return await sharp(px, { raw: { width: w, height: h, channels: 1 } }).toColourspace('srgb').jpeg({ quality: 80 }).withMetadata({ density: 200 }).toBuffer()
}

t.test('cover sheets and blank backs cut a posted stack into records', async t => {
  const dir = await tempDir(t)
  const app = await startAppliance({ dataDir: join(dir, 'data'), env: { SOHOA_UNIT: '622', SOHOA_OCR_WORKERS: '2' } })
  t.teardown(() => app.stop())
  const { secret } = await createToken(app.url, 'admin')
  const auth = { authorization: `Bearer ${secret}` }
  const json = { ...auth, 'content-type': 'application/json' }

  const sheets = await fetch(`${app.url}/api/v1/separators`, {
    method: 'POST', headers: json,
    body: JSON.stringify({ sheets: [{ unit: '622', dossierCode: '000.00.22.H21-180224-0007', box: '3', file: '12' }, { unit: '622', procedureCode: '1.003560', box: '3', file: '13' }] })
  })
  t.equal(sheets.status, 200)
  t.equal(sheets.headers.get('content-type'), 'application/pdf')
  await writeFile(join(dir, 'sheets.pdf'), Buffer.from(await sheets.arrayBuffer()))
  await run('pdftoppm', ['-r', '200', '-jpeg', join(dir, 'sheets.pdf'), join(dir, 'sep')])
  const sepFiles = (await readdir(dir)).filter(f => f.startsWith('sep') && f.endsWith('.jpg')).sort()
  t.equal(sepFiles.length, 2, 'one printed sheet per record')

  const batch = await (await fetch(`${app.url}/api/v1/batches`, { method: 'POST', headers: json, body: JSON.stringify({ unit: '622' }) })).json() as any
  const stack: Array<[string, Buffer]> = [
    ['sep-1', await readFile(join(dir, sepFiles[0]))],
    ['0000.jpg', await readFile(join(CORPUS, '0000.jpg'))],
    ['blank-1', await blankPage(1)],
    ['sep-2', await readFile(join(dir, sepFiles[1]))],
    ['0001.jpg', await readFile(join(CORPUS, '0001.jpg'))],
    ['blank-2', await blankPage(2)],
    ['0005.jpg', await readFile(join(CORPUS, '0005.jpg'))]
  ]
  for (const [name, bytes] of stack) {
    const res = await fetch(`${app.url}/api/v1/pages?unit=622&batch=${batch.id as string}&filename=${name}`, { method: 'POST', headers: { ...auth, 'content-type': 'image/jpeg' }, body: new Uint8Array(bytes) })
    t.equal(res.status, 201, `${name} accepted`)
  }
  const finished = await fetch(`${app.url}/api/v1/batches/${batch.id as string}/finish`, { method: 'POST', headers: auth })
  t.equal(finished.status, 200)
  const done = await waitForBatch(app.url, secret, batch.id)
  t.equal(done.records.length, 2, 'two records: one per cover sheet')

  const get = async (id: string) => await (await fetch(`${app.url}/api/v1/records/${id}`, { headers: auth })).json() as any
  // Fields are read again after the regrouping; wait for them.
  let first: any, second: any
  for (let i = 0; i < 100; i++) {
    [first, second] = await Promise.all(done.records.map(get))
    if (first.fields.documentNumber.value && second.fields.documentNumber.value) break
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  const truthOf = (file: string) => truth().find(r => r.file === file)!
  t.equal(first.pages.length, 1, 'first record: its one page')
  t.equal(first.blankPages.length, 1, 'the blank back is kept, marked, outside the record')
  t.equal(first.blankPages[0].blank, true)
  t.match(first.codes, { dossierCode: '000.00.22.H21-180224-0007', box: '3', file: '12' }, 'codes from the cover sheet')
  t.equal(first.fields.documentNumber.value, truthOf('0000.jpg').so_ky_hieu)
  t.equal(second.pages.length, 2, 'second record: the pages after the second sheet, blank left out')
  t.match(second.codes, { procedureCode: '1.003560', box: '3', file: '13' })
  t.equal(second.fields.documentNumber.value, truthOf('0001.jpg').so_ky_hieu, 'fields come from the record\'s first page')
  t.notOk(first.text.includes('TỜ PHÂN CÁCH'), 'the cover sheet is not part of the record\'s text')

  const list = await (await fetch(`${app.url}/api/v1/records?batchId=${batch.id as string}`, { headers: auth })).json() as any
  t.same(list.records.map((r: any) => r.id).sort(), [...done.records].sort(), 'the emptied records are not listed')
})
