/**
 * Live batch progress over server-sent events, read with a real HTTP client (fetch) from a listening
 * server: the status first, then pages scanned, pages recognized (from a real Pipeline whose steps are
 * quick stand-ins for OCR), the pause with its reason, resume and the end; once every page is indexed the
 * server ends the stream. An open stream does not hold up the server's shutdown. Reconnection: replay.test.ts.
 */
import t from 'tap'
import { Pipeline, type Step } from '../../appliance/src/pipeline/index.js'
import { ADF, logger, openHarness, startScan, waitFor, waitForStatus } from './setup.js'

interface SseEvent { event: string, data: any }

/** Opens an event stream and collects its events as they arrive. */
async function listen (url: string): Promise<{ events: SseEvent[], status: number, ended: Promise<void>, close: () => void }> {
  const abort = new AbortController()
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal })
  const events: SseEvent[] = []
  const ended = (async () => {
    if (res.body === null) return
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) })
        }
      }
    } catch {
      // Aborted by us.
    }
  })()
  return { events, status: res.status, ended, close: () => abort.abort() }
}

/** Stand-ins for prepare/recognize/index: the real Pipeline moves pages through them in a few ms. */
function quickSteps (): Step[] {
  const step = (name: string, from: any, to: any): Step => ({ name, from, to, concurrency: 2, run: async () => {} })
  return [step('prepare', 'received', 'prepared'), step('recognize', 'prepared', 'recognized'), step('index', 'recognized', 'indexed')]
}

t.test('the event stream of a batch: status, pages, recognition, pause, resume, end', async t => {
  let gate!: () => void
  const opened = new Promise<void>(resolve => { gate = resolve })
  let jam = true
  const h = await openHarness(t, {
    beforeSheet: async ({ n, device }) => {
      if (n === 1) await opened
      if (n === 4 && jam) { jam = false; await device.setOption('read-return-value', 'SANE_STATUS_JAMMED') }
    },
    pipeline: ({ store }) => new Pipeline({ store, steps: quickSteps(), logger, maxAttempts: 2 })
  })
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 })

  const batchId = await startScan(t, h, { source: ADF, resolution: 50 })
  const stream = await listen(`${url}/api/v1/batches/${batchId}/events`)
  t.equal(stream.status, 200)
  await waitFor(() => stream.events.length > 0, 5000, 'the status event')
  t.match(stream.events[0], { event: 'status', data: { id: batchId, status: 'scanning', pageCount: 0, source: 'scanner' } })
  gate()

  await waitFor(() => stream.events.some(e => e.event === 'paused'), 30_000, 'the pause')
  const scanned = stream.events.filter(e => e.event === 'page-scanned')
  t.same(scanned.map(e => e.data.n), [1, 2, 3])
  t.ok(scanned.every(e => /^p_/.test(e.data.pageId) && /^r_/.test(e.data.recordId) && e.data.ackMs >= 0), 'with page and record ids')
  const paused = stream.events.find(e => e.event === 'paused')!
  t.match(paused.data, { code: 'SANE_JAMMED', reason: /^SANE_JAMMED: Kẹt giấy.* \/ Paper jam/, pages: 3 })

  const resume = await fetch(`${url}/api/v1/batches/${batchId}/resume`, { method: 'POST' })
  t.equal(resume.status, 202)
  await waitFor(() => stream.events.some(e => e.event === 'finished'), 30_000, 'the end')
  await waitFor(() => stream.events.filter(e => e.event === 'page-recognized').length === 13, 30_000, 'every page recognized')
  const names = stream.events.map(e => e.event)
  t.ok(names.indexOf('resumed') > names.indexOf('paused'), 'resumed after paused')
  t.same(stream.events.filter(e => e.event === 'page-scanned').map(e => e.data.n), Array.from({ length: 13 }, (_, i) => i + 1))
  t.match(stream.events.find(e => e.event === 'finished')!.data, { pages: 13 })
  const recognized = new Set(stream.events.filter(e => e.event === 'page-recognized').map(e => e.data.pageId))
  t.same([...recognized].sort(), stream.events.filter(e => e.event === 'page-scanned').map(e => e.data.pageId).sort(), 'page-recognized for each scanned page')

  // Every page indexed: the batch is over, and the server ends the stream.
  await stream.ended
  t.equal(stream.events.filter(e => e.event === 'page-indexed').length, 13)
  t.equal(stream.events.at(-1)?.event, 'page-indexed')
  await waitFor(() => h.scanners.events.listeners(batchId) === 0, 2000, 'the server to let go')

  // A late listener gets the state, the end, and the end of the stream.
  const late = await listen(`${url}/api/v1/batches/${batchId}/events`)
  await late.ended
  t.same(late.events.map(e => e.event), ['status', 'finished'])
  t.match(late.events[0], { event: 'status', data: { status: 'finished', pageCount: 13, done: true } })

  const missing = await fetch(`${url}/api/v1/batches/b_00000000000000000000000/events`, { headers: { accept: 'text/event-stream' } })
  t.same([missing.status, (await missing.json() as any).error], [404, 'BATCH_NOT_FOUND'])
})

t.test('an open stream does not hold up the server\'s shutdown', async t => {
  const h = await openHarness(t)
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 })
  const batchId = await startScan(t, h, { source: 'Flatbed', resolution: 50 })
  await waitForStatus(h.store, batchId, 'finished')
  const stream = await listen(`${url}/api/v1/batches/${batchId}/events`)
  await waitFor(() => stream.events.length > 0, 5000, 'the status event')
  const started = Date.now()
  await h.app.close()
  await stream.ended
  t.ok(Date.now() - started < 1000, `closed in ${Date.now() - started} ms with a client connected`)
  t.equal(h.scanners.events.listeners(batchId), 0)
})
