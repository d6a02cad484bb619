// kill -9 while pages are posted and recognised: nothing acknowledged is lost, nothing is done twice.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { createToken, startAppliance, truth, waitForBatch } from '../helpers/appliance.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'

t.test('crash mid-batch, restart, every acknowledged page recognised once and searchable', async t => {
  const dataDir = await tempDir(t)
  let app = await startAppliance({ dataDir, env: { SOHOA_OCR_WORKERS: '2' } })
  t.teardown(() => app.kill9())
  const ingest = await createToken(app.url, 'ingest')
  const read = await createToken(app.url, 'read')
  const files = truth().slice(2, 8)
  const bytes = await Promise.all(files.map(async f => await readFile(join(CORPUS, f.file))))
  const acknowledged = new Map<number, any>()

  const post = async (url: string, i: number): Promise<Response> => await fetch(`${url}/api/v1/pages?unit=622&filename=${files[i].file}`, {
    method: 'POST', headers: { authorization: `Bearer ${ingest.secret}`, 'content-type': 'image/jpeg' }, body: bytes[i]
  })

  // Post all six at once; kill the process as soon as the third is acknowledged (OCR is running by then).
  let killed = false
  await Promise.all(files.map(async (_f, i) => {
    try {
      const res = await post(app.url, i)
      if (res.status === 201) acknowledged.set(i, await res.json())
      if (acknowledged.size >= 3 && !killed) { killed = true; await app.kill9() }
    } catch { /* not acknowledged: the connection died with the process */ }
  }))
  t.ok(acknowledged.size >= 3, `${acknowledged.size} acknowledged before the crash`)

  app = await startAppliance({ dataDir, env: { SOHOA_OCR_WORKERS: '2' } })
  // A client retries what it did not get an answer for; what was acknowledged must not come back as new.
  for (let i = 0; i < files.length; i++) {
    const res = await post(app.url, i)
    if (acknowledged.has(i)) {
      t.equal(res.status, 200, `${files[i].file} is already there`)
      t.equal((await res.json() as any).recordId, acknowledged.get(i).recordId)
    } else {
      t.ok([200, 201].includes(res.status), `${files[i].file} retried`)
      acknowledged.set(i, await res.json())
    }
  }

  for (const [i, receipt] of acknowledged) {
    await waitForBatch(app.url, read.secret, receipt.batchId)
    const record = await (await fetch(`${app.url}/api/v1/records/${receipt.recordId}`, { headers: { authorization: `Bearer ${read.secret}` } })).json() as any
    t.equal(record.pages[0].stage, 'indexed')
    t.equal(record.pages[0].ocrRuns, 1, `${files[i].file} recognised exactly once`)
    const master = await fetch(`${app.url}/api/v1/records/${receipt.recordId}/pages/1`, { headers: { authorization: `Bearer ${read.secret}` } })
    t.same(Buffer.from(await master.arrayBuffer()), bytes[i], 'master intact')
    // The record's index step runs after its pages' last stage: searchable soon after the batch is done.
    const searchable = async (): Promise<boolean> => {
      const search = await (await fetch(`${app.url}/api/v1/search?q=${encodeURIComponent(files[i].so_ky_hieu)}`, { headers: { authorization: `Bearer ${read.secret}` } })).json() as any
      return search.results.some((r: any) => r.recordId === receipt.recordId)
    }
    let found = await searchable()
    for (let tries = 0; !found && tries < 100; tries++) { await new Promise(resolve => setTimeout(resolve, 300)); found = await searchable() }
    t.ok(found, `${files[i].file} searchable by its number`)
  }
  const list = await (await fetch(`${app.url}/api/v1/records?limit=100`, { headers: { authorization: `Bearer ${read.secret}` } })).json() as any
  t.equal(list.records.length, files.length, 'one record per file: nothing duplicated')
})
