// The spine, end to end on real parts: a real appliance process, real HTTP, real OCR, real LevelDB.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { createToken, startAppliance, truth, waitForBatch } from '../helpers/appliance.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'

const fold = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase()

t.test('post scans, find them by a name typed without accents', async t => {
  const app = await startAppliance({ dataDir: await tempDir(t) })
  t.teardown(() => app.stop())
  const ingest = await createToken(app.url, 'ingest')
  const read = await createToken(app.url, 'read')
  // A search by a person's name needs the `person` permission and a purpose, and is audited (issue 15).
  const admin = await createToken(app.url, 'admin')
  const why = `&purpose=${encodeURIComponent('Kiểm thử tra cứu')}`
  const samples = truth().filter(s => ['0000.jpg', '0001.jpg'].includes(s.file))

  const posted: Array<{ sample: Record<string, any>, body: any, bytes: Buffer }> = []
  for (const sample of samples) {
    const bytes = await readFile(join(CORPUS, sample.file))
    const res = await fetch(`${app.url}/api/v1/pages?unit=628&filename=${encodeURIComponent(sample.file)}`, {
      method: 'POST', headers: { authorization: `Bearer ${ingest.secret}`, 'content-type': 'image/jpeg' }, body: bytes
    })
    t.equal(res.status, 201, `${sample.file} accepted`)
    const body = await res.json() as any
    t.match(body, { batchId: /^b_/, recordId: /^r_/, pages: [{ id: /^p_/, sha256: createHash('sha256').update(bytes).digest('hex') }] })
    posted.push({ sample, body, bytes })
  }

  for (const { sample, body, bytes } of posted) {
    const batch = await waitForBatch(app.url, read.secret, body.batchId)
    t.match(batch, { id: body.batchId, unit: '628', pageCount: 1, records: [body.recordId], stages: { indexed: 1 }, failures: [] })
    const record = await (await fetch(`${app.url}/api/v1/records/${body.recordId}`, { headers: { authorization: `Bearer ${read.secret}` } })).json() as any
    t.match(record, { id: body.recordId, status: 'draft', unit: '628', filename: sample.file, pages: [{ n: 1, stage: 'indexed', ocrRuns: 1, mime: 'image/jpeg', dpi: sample.dpi }] })
    t.ok(record.text.includes(sample.so_ky_hieu), `text holds the document number ${sample.so_ky_hieu}`)
    t.ok(fold(record.text).includes(fold(sample.chu_the)), 'text holds the subject name')
    const master = await fetch(`${app.url}/api/v1/records/${body.recordId}/pages/1`, { headers: { authorization: `Bearer ${read.secret}` } })
    t.equal(master.headers.get('content-type'), 'image/jpeg')
    t.same(Buffer.from(await master.arrayBuffer()), bytes, 'the master is the untouched upload')

    const q = fold(sample.chu_the)
    const search = await (await fetch(`${app.url}/api/v1/search?q=${encodeURIComponent(q)}${why}`, { headers: { authorization: `Bearer ${admin.secret}` } })).json() as any
    t.equal(search.results[0]?.recordId, body.recordId, `"${q}" finds the record first`)
    t.match(search.results[0].snippet, /<mark>/)
  }

  const phrase = fold(posted[0].sample.chu_the)
  const quoted = await (await fetch(`${app.url}/api/v1/search?q=${encodeURIComponent(`"${phrase}"`)}${why}`, { headers: { authorization: `Bearer ${admin.secret}` } })).json() as any
  t.ok(quoted.results.some((r: any) => r.recordId === posted[0].body.recordId), 'a quoted phrase matches')

  const health = await (await fetch(`${app.url}/healthz`)).json() as any
  t.match(health, { status: 'ok', version: /^\d+\.\d+\.\d+/, queueDepth: 0 })
  const metrics = await (await fetch(`${app.url}/metrics`)).text()
  t.match(metrics, /sohoa_pages_received_total\{source="api"\} 2/)
  t.match(metrics, /sohoa_pages\{stage="indexed"\} 2/)
  t.match(metrics, /sohoa_ocr_seconds_count 2/)

  const names = samples.flatMap(s => [s.chu_the, s.so_dinh_danh, fold(s.chu_the)])
  for (const line of app.logs) for (const name of names) t.notOk(line.includes(name), 'no personal data in the logs')
})
