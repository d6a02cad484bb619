// kill -9 between record steps, on the real appliance. A 5-page PDF is posted and the appliance is made to kill
// itself (SOHOA_TEST_KILL_AFTER_STEP, a test-only hook) right after the segment step commits, then after extract,
// after index, and, once the record is approved, after sign, after package, after log and after the index that
// follows. After the last restart the record is where an uninterrupted run leaves it, and each step's effect is there
// once: one extraction event, one signature and one archiving event, one signed PDF referenced (the one the log
// entry vouches for), one `record.archived` log entry, one search document, no job left.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { decodeEnvelope } from '../../appliance/src/archive/log/index.js'
import { createSearchService } from '../../appliance/src/search/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { createToken, startAppliance, type Appliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { fivePagePdf, PAGES, postPdf, until } from './record-steps-fixture.js'

const killed = async (app: Appliance, ms: number): Promise<string | null> => {
  const end = Date.now() + ms
  while (app.child.exitCode === null && app.child.signalCode === null) {
    if (Date.now() > end) throw new Error('the appliance did not kill itself in time')
    await sleep(100)
  }
  return app.child.signalCode
}

/** The step after which the appliance killed itself (the hook's line, written synchronously before the kill). */
const killedAfter = (app: Appliance): string | undefined => {
  const line = app.logs.find(l => l.includes('"test kill after record step"'))
  return line !== undefined ? JSON.parse(line).step : undefined
}

t.test('kill -9 right after each record step: the record ends as without crashes, each effect once', async t => {
  const dataDir = await tempDir(t, 'sohoa-record-steps-crash-')
  let app: Appliance | undefined
  t.teardown(async () => await app?.kill9())
  /** Starts with the kill hook set; the appliance may already kill itself while starting (a step due at once). */
  const startKilling = async (step: string): Promise<Appliance | null> => {
    try {
      app = await startAppliance({ dataDir, env: { SOHOA_LOG_LEVEL: 'debug', SOHOA_TEST_KILL_AFTER_STEP: step } })
      return app
    } catch (err) {
      if (/exited with null/.test((err as Error).message)) return null
      throw err
    }
  }
  const expectKilledAfter = async (step: string, started: Appliance | null): Promise<void> => {
    if (started === null) { t.pass(`killed while starting, right after a ${step} step`); return }
    t.equal(await killed(started, 180_000), 'SIGKILL', `killed by SIGKILL after ${step}`)
    t.equal(killedAfter(started), step, `it killed itself right after ${step} committed`)
  }

  // 1. Post, and die right after the batch is cut into records.
  const first = await startKilling('segment')
  if (first === null) throw new Error('nothing was due yet, the appliance cannot have died at start')
  const admin = await createToken(first.url, 'admin')
  const { recordId, batchId } = await postPdf(first.url, admin.secret, await fivePagePdf())
  await expectKilledAfter('segment', first)
  // 2, 3. Restart (OCR resumes), die right after the fields are read, then right after the record is indexed.
  await expectKilledAfter('extract', await startKilling('extract'))
  await expectKilledAfter('index', await startKilling('index'))

  // 4. Approve; die right after signing, packaging and logging, then right after the index of the archived record.
  const fourth = await startKilling('sign')
  if (fourth === null) throw new Error('nothing is due before the approval')
  const record = await (await fetch(`${fourth.url}/api/v1/records/${recordId}`, { headers: { authorization: `Bearer ${admin.secret}` } })).json() as any
  t.equal(record.status, 'draft')
  t.ok(record.pages.every((p: any) => p.stage === 'indexed'), 'every page through the page steps')
  const approved = await fetch(`${fourth.url}/api/v1/records/${recordId}/approve`, { method: 'POST', headers: { authorization: `Bearer ${admin.secret}`, 'if-match': `"${record.version}"` } })
  t.equal(approved.status, 200)
  await expectKilledAfter('sign', fourth)
  await expectKilledAfter('package', await startKilling('package'))
  await expectKilledAfter('log', await startKilling('log'))
  await expectKilledAfter('index', await startKilling('index'))

  // 5. A last, normal start: nothing left to do.
  app = await startAppliance({ dataDir, env: { SOHOA_LOG_LEVEL: 'debug' } })
  const last = app
  const get = async (path: string): Promise<any> => await (await fetch(`${last.url}${path}`, { headers: { authorization: `Bearer ${admin.secret}` } })).json()
  await until(async () => (await get(`/api/v1/records/${recordId}`)).status === 'archived', 60_000, 'the record archived')
  const dash = await get('/api/v1/dashboard')
  t.same(Object.values(dash.queue.steps).map((s: any) => s.pending), [0, 0, 0, 0, 0, 0], 'no record step pending')
  await last.stop()
  app = undefined

  const store = await Store.open(dataDir)
  t.teardown(() => store.close())
  const stored = (await store.getRecord(recordId))!
  t.match(stored, { status: 'archived', segmented: true, validity: { state: 'valid' } })
  t.equal(stored.pageIds.length, PAGES)
  t.ok((await store.getPages(stored.pageIds)).every(p => p.stage === 'indexed'))
  t.ok(Object.values(stored.fields ?? {}).some(f => f.value !== null), 'its fields were read')
  const events = (await store.listEvents(recordId)).map(e => e.type)
  t.equal(events.filter(e => e === 'extraction').length, 1, 'one extraction')
  t.equal(events.filter(e => e === 'approval').length, 1, 'one approval')
  t.equal(events.filter(e => e === 'signature').length, 1, 'one signature')
  t.equal(events.filter(e => e === 'archiving').length, 1, 'one archiving')
  const seqs = await store.archiveLog.seqsOf(recordId)
  t.equal(seqs.length, 1, 'one log entry for the record')
  const entry = decodeEnvelope((await store.archiveLog.get(seqs[0]))!.envelope).body as any
  t.equal(entry.type, 'record.archived')
  const pdfs = entry.files.filter((f: any) => f.role === 'pdf')
  t.same(pdfs.map((f: any) => f.sha256), [stored.pdf?.sha256], 'the log vouches for the one signed PDF the record references')
  t.equal(entry.files.filter((f: any) => f.role === 'master').length, PAGES, 'and for each page master')
  t.equal(stored.archiving, undefined, 'the steps\' working state is gone')
  t.ok((await store.referencedFiles()).has(stored.pdf!.sha256), 'the signed PDF is referenced')
  t.same(await store.countRecordJobs(), { segment: 0, extract: 0, sign: 0, package: 0, log: 0, index: 0 }, 'no job left')
  const batch = (await store.getBatch(batchId))!
  t.same(batch.recordIds, [recordId], 'the batch holds the one record')
  const search = createSearchService(store.searchIndex)
  t.equal((await search.stats()).documents, 1, 'one search document')
  const word = stored.fields?.documentType?.value ?? 'ỦY BAN'
  t.same((await search.search(word)).results.map(r => r.recordId), [recordId], 'search finds the archived record')
  t.equal((await search.search(word)).results[0] !== undefined, true)
})
