import t from 'tap'
import { createLogger } from '../../appliance/src/log/index.js'
import { Pipeline, type Step } from '../../appliance/src/pipeline/index.js'
import { newId, Store, type Job, type Page } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

const logger = createLogger('silent')

async function addPage (store: Store, jobState: Job['state'] = 'queued'): Promise<Page> {
  const now = new Date().toISOString()
  const page: Page = { id: newId('p'), recordId: newId('r'), batchId: newId('b'), unit: '622', index: 0, sha256: 'x', size: 1, mime: 'image/png', width: 1, height: 1, dpi: 300, stage: 'received', ocrRuns: 0, createdAt: now, updatedAt: now }
  await store.tx().putPage(page).putJob({ id: page.id, pageId: page.id, stage: 'received', state: jobState, attempts: 0, notBefore: 0, updatedAt: now }).commit()
  return page
}

function steps (calls: Record<string, number>, fail: (name: string, page: Page) => boolean = () => false): Step[] {
  const make = (name: string, from: any, to: any): Step => ({
    name, from, to, concurrency: 2,
    run: async (page, tx) => {
      calls[name] = (calls[name] ?? 0) + 1
      if (fail(name, page)) throw new Error(`${name} broke`)
      if (name === 'recognize') {
        tx.putPageText(page.id, { text: 'văn bản', confidence: 90, words: [], width: 1, height: 1 })
        return { ocrRuns: page.ocrRuns + 1 }
      }
    }
  })
  return [make('prepare', 'received', 'prepared'), make('recognize', 'prepared', 'recognized'), make('index', 'recognized', 'indexed')]
}

const idle = async (p: Pipeline): Promise<void> => { if (p.depth > 0) await new Promise<void>(resolve => p.once('idle', resolve)) }

t.test('pages move through every stage once; finished jobs are removed', async t => {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  const pages = [await addPage(store), await addPage(store), await addPage(store)]
  const calls: Record<string, number> = {}
  const p = new Pipeline({ store, steps: steps(calls), logger, maxAttempts: 3 })
  const seen: string[] = []
  p.on('stage', e => seen.push(e.stage))
  await p.start()
  await idle(p)
  await p.stop()
  t.same(calls, { prepare: 3, recognize: 3, index: 3 })
  for (const page of pages) {
    const stored = await store.getPage(page.id)
    t.equal(stored?.stage, 'indexed')
    t.equal(stored?.ocrRuns, 1)
    t.equal(await store.getJob(page.id), undefined)
    t.equal((await store.getPageText(page.id))?.text, 'văn bản')
  }
  t.same(p.counts, { received: 0, prepared: 0, recognized: 0, indexed: 3, failed: 0 })
  t.equal(seen.length, 9)
})

t.test('a failing step retries with backoff, then succeeds', async t => {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  const page = await addPage(store)
  const calls: Record<string, number> = {}
  let failures = 2
  const p = new Pipeline({ store, steps: steps(calls, name => name === 'recognize' && failures-- > 0), logger, maxAttempts: 5, retryBaseMs: 20 })
  await p.start()
  await idle(p)
  await p.stop()
  t.equal(calls.recognize, 3)
  t.equal((await store.getPage(page.id))?.stage, 'indexed')
})

t.test('a step that keeps failing ends failed with its reason, and can be retried', async t => {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  const page = await addPage(store)
  const calls: Record<string, number> = {}
  let broken = true
  const p = new Pipeline({ store, steps: steps(calls, name => broken && name === 'prepare'), logger, maxAttempts: 3, retryBaseMs: 10 })
  const failed = new Promise(resolve => p.once('failed', resolve))
  await p.start()
  t.match(await failed, { pageId: page.id, stage: 'received', reason: /prepare broke/ })
  t.equal(calls.prepare, 3)
  const stored = await store.getPage(page.id)
  t.match(stored?.failed, { stage: 'received', reason: /prepare broke/ })
  t.equal((await store.getJob(page.id))?.state, 'failed')
  t.equal(p.counts.failed, 1)
  broken = false
  t.ok(await p.retry(page.id))
  await idle(p)
  await p.stop()
  t.equal((await store.getPage(page.id))?.stage, 'indexed')
  t.equal((await store.getPage(page.id))?.failed, undefined)
})

t.test('an operator\'s retry writes the page under its lock: a move by review meanwhile is kept', async t => {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  const page = await addPage(store)
  const calls: Record<string, number> = {}
  let broken = true
  const p = new Pipeline({ store, steps: steps(calls, name => broken && name === 'prepare'), logger, maxAttempts: 1, retryBaseMs: 10 })
  const failed = new Promise(resolve => p.once('failed', resolve))
  await p.start()
  await failed
  broken = false
  const moved = newId('r')
  let retried: Promise<boolean> | undefined
  let settled = false
  // Review holds the page's lock, reads it, and (after a while) moves it to another record.
  await store.lockPage(page.id, async () => {
    const fresh = (await store.getPage(page.id))!
    retried = p.retry(page.id)
    void retried.then(() => { settled = true })
    await new Promise(resolve => setTimeout(resolve, 100))
    t.notOk(settled, 'the retry waits for the lock')
    await store.tx().putPage({ ...fresh, recordId: moved, updatedAt: new Date().toISOString() }).commit()
  })
  t.ok(await retried!)
  await idle(p)
  await p.stop()
  const after = (await store.getPage(page.id))!
  t.equal(after.recordId, moved, 'the move is kept')
  t.equal(after.failed, undefined, 'the retry cleared the failure on the moved page')
  t.equal(after.stage, 'indexed')
})

t.test('after a crash, a job left running resumes at its step and completes once', async t => {
  const dir = await tempDir(t)
  const store = await Store.open(dir)
  t.teardown(() => store.close())
  const page = await addPage(store, 'running')
  // The page had finished preparing before the crash; recognition was in flight.
  await store.tx().putPage({ ...page, stage: 'prepared' }).putJob({ id: page.id, pageId: page.id, stage: 'prepared', state: 'running', attempts: 0, notBefore: 0, updatedAt: '' }).commit()
  const calls: Record<string, number> = {}
  const p = new Pipeline({ store, steps: steps(calls), logger, maxAttempts: 3 })
  await p.start()
  await idle(p)
  await p.stop()
  t.same(calls, { recognize: 1, index: 1 }, 'prepare is not run again')
  t.equal((await store.getPage(page.id))?.ocrRuns, 1)
})
