// The record steps on the real appliance: a 5-page PDF posted over HTTP is segmented once, its fields are read once
// and it is indexed once (not once per page); after approval it is signed, packaged and logged once each and indexed
// once more. Counted from the runner's job log and from the dashboard's queue figures.
import t from 'tap'
import { createToken, startAppliance, waitForBatch } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { fivePagePdf, PAGES, postPdf, sleep, stepRuns, until } from './record-steps-fixture.js'

t.test('a 5-page PDF: each record step runs once', async t => {
  const app = await startAppliance({ dataDir: await tempDir(t), env: { SOHOA_LOG_LEVEL: 'debug' } })
  t.teardown(() => app.stop())
  const admin = await createToken(app.url, 'admin')
  const get = async (path: string): Promise<any> => await (await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${admin.secret}` } })).json()

  const { recordId, batchId } = await postPdf(app.url, admin.secret, await fivePagePdf())
  const batch = await waitForBatch(app.url, admin.secret, batchId)
  t.match(batch, { pageCount: PAGES, records: [recordId], stages: { indexed: PAGES }, failures: [] })
  await until(() => stepRuns(app.logs, recordId).index === 1, 60_000, 'the record indexed')
  await sleep(1500) // anything still due would run now
  t.same(stepRuns(app.logs, batchId), { segment: 1 }, 'the batch is segmented once')
  t.same(stepRuns(app.logs, recordId), { extract: 1, index: 1 }, 'its fields are read once and it is indexed once')

  const record = await get(`/api/v1/records/${recordId}`)
  t.equal(record.pages.length, PAGES)
  t.ok(Object.values(record.fields).some((f: any) => f.value !== null), 'fields were read')
  const found = await get(`/api/v1/search?q=${encodeURIComponent(record.fields.documentType.value ?? 'ỦY BAN')}`)
  t.ok(found.results.some((r: any) => r.recordId === recordId), 'search finds it')

  const approved = await fetch(`${app.url}/api/v1/records/${recordId}/approve`, {
    method: 'POST', headers: { authorization: `Bearer ${admin.secret}`, 'if-match': `"${record.version}"` }
  })
  t.equal(approved.status, 200, 'approved')
  await until(async () => (await get(`/api/v1/records/${recordId}`)).status === 'archived', 60_000, 'the record archived')
  await until(() => stepRuns(app.logs, recordId).index === 2, 20_000, 'the archived record indexed')
  await sleep(1500)
  t.same(stepRuns(app.logs, recordId), { extract: 1, index: 2, sign: 1, package: 1, log: 1 },
    'signed, packaged and logged once each; the approval and the three archiving writes indexed in one run')
  const archived = await get(`/api/v1/records/${recordId}`)
  t.match(archived, { status: 'archived', pdf: { sha256: /^[0-9a-f]{64}$/ }, retention: String })
  t.notOk('archiving' in archived, 'the steps\' working state is not in the view')
  const pkg = await fetch(`${app.url}/api/v1/records/${recordId}/package.zip`, { headers: { authorization: `Bearer ${admin.secret}` } })
  t.equal(pkg.status, 200, 'its archival package is built from its log entry')
  await pkg.arrayBuffer()

  const dash = await get('/api/v1/dashboard')
  t.same(dash.queue.steps, {
    segment: { pending: 0, runs: 1 },
    extract: { pending: 0, runs: 1 },
    sign: { pending: 0, runs: 1 },
    package: { pending: 0, runs: 1 },
    log: { pending: 0, runs: 1 },
    index: { pending: 0, runs: 2 }
  }, 'the dashboard shows the record steps: nothing pending, each run counted')
  t.match(dash.queue, { indexed: PAGES, failed: 0, depth: 0 }, 'the page figures are as before')
})
