/**
 * Reconnecting to a batch's event stream, as EventSource does: events carry increasing ids; a client that comes
 * back with `Last-Event-ID` gets exactly what it missed; when that cannot be told (the appliance restarted,
 * or the id is older than the events kept) it gets a `snapshot` of the batch instead. A batch that is over
 * (finished, every page indexed) gets its view and `finished`, then the stream ends; a client that has seen it
 * all gets 204. Read with a real HTTP client (fetch) from a listening server; the ring itself is checked alone.
 */
import t, { type Test } from 'tap'
import { Pipeline, type Step } from '../../appliance/src/pipeline/index.js'
import { BatchEvents } from '../../appliance/src/scanner/index.js'
import { ADF, logger, openHarness, startScan, waitFor, waitForStatus, type Harness } from './setup.js'

interface SseEvent { id?: string, event: string, data: any }

interface Stream {
  status: number
  events: SseEvent[]
  /** Resolves when the server ends the stream (true) or the client aborted it (false). */
  ended: Promise<boolean>
  close: () => void
  lastId: () => string | undefined
}

async function listen (url: string, lastEventId?: string): Promise<Stream> {
  const abort = new AbortController()
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
  const res = await fetch(url, { headers, signal: abort.signal })
  const events: SseEvent[] = []
  const ended = (async () => {
    if (res.body === null) return true
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
          const id = /^id: (.*)$/m.exec(block)?.[1]
          if (event !== undefined && data !== undefined) events.push({ ...(id !== undefined ? { id } : {}), event, data: JSON.parse(data) })
        }
      }
      return true
    } catch {
      return false // aborted by us
    }
  })()
  return { status: res.status, events, ended, close: () => abort.abort(), lastId: () => events.at(-1)?.id }
}

/** The seq part of an id `<epoch>.<seq>`. */
const seqOf = (id: string | undefined): number => Number(id?.split('.').at(-1))

/** A gate per sheet: sheet n is scanned once `open(m)` was called with m ≥ n. */
function sheetGates (): { open: (upTo: number) => void, before: (ctx: { n: number }) => Promise<void> } {
  const waiting = new Map<number, () => void>()
  let opened = 0
  return {
    open: (upTo) => {
      opened = Math.max(opened, upTo)
      for (const [n, go] of waiting) if (n <= opened) { waiting.delete(n); go() }
    },
    before: async ({ n }) => {
      if (n <= opened) return
      await new Promise<void>(resolve => waiting.set(n, resolve))
    }
  }
}

/** Stand-ins for prepare/recognize/index: the real Pipeline moves pages through them; `hold` keeps recognition waiting. */
function quickSteps (hold?: Promise<void>): Step[] {
  const step = (name: string, from: any, to: any, run = async () => {}): Step => ({ name, from, to, concurrency: 2, run })
  return [step('prepare', 'received', 'prepared'), step('recognize', 'prepared', 'recognized', async () => { await hold }), step('index', 'recognized', 'indexed')]
}

const scanned = (s: Stream): number[] => s.events.filter(e => e.event === 'page-scanned').map(e => e.data.n)

/** Listens on a free port and starts a 10-sheet ADF batch; returns the batch's event URL. */
async function startBatch (t: Test, h: Harness): Promise<{ url: string, batchId: string }> {
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50 })
  return { url: `${base}/api/v1/batches/${batchId}/events`, batchId }
}

t.test('a reconnection with Last-Event-ID gets exactly the events it missed, then the live ones', async t => {
  const gates = sheetGates()
  t.teardown(() => gates.open(Infinity)) // before the harness's teardown: a held run would hold the service's stop
  const h = await openHarness(t, { beforeSheet: gates.before })
  const { url, batchId } = await startBatch(t, h)
  const seen = h.record(batchId)

  const first = await listen(url)
  t.equal(first.status, 200)
  await waitFor(() => first.events.length > 0, 5000, 'the status event')
  t.match(first.events[0], { event: 'status', id: /^[0-9a-z]+\.\d+$/, data: { id: batchId, status: 'scanning' } })
  gates.open(2)
  await waitFor(() => scanned(first).length === 2, 5000, 'two pages')
  const ids = first.events.map(e => seqOf(e.id))
  t.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), `ids increase: ${ids.join(' ')}`)
  const lastSeen = first.lastId()
  first.close()
  t.equal(await first.ended, false)
  await waitFor(() => h.scanners.events.listeners(batchId) === 1, 2000, 'the server to let go of the first stream')

  // Missed while away: sheets 3 to 5.
  gates.open(5)
  await waitFor(() => seen.filter(e => e.type === 'page-scanned').length === 5, 5000, 'five pages')
  const back = await listen(url, lastSeen)
  t.equal(back.status, 200)
  await waitFor(() => scanned(back).length === 3, 5000, 'the missed pages')
  t.same(back.events.map(e => e.event), ['page-scanned', 'page-scanned', 'page-scanned'], 'no status, no repeat: only what was missed')
  t.same(scanned(back), [3, 4, 5])
  t.ok(seqOf(back.events[0].id) > seqOf(lastSeen))

  // Then live.
  gates.open(Infinity)
  await waitFor(() => back.events.some(e => e.event === 'finished'), 10_000, 'the end of the batch')
  t.same(scanned(back), [3, 4, 5, 6, 7, 8, 9, 10])
  t.same(back.events.map(e => e.id), [...new Set(back.events.map(e => e.id))], 'every id once')
  // No pipeline here: the pages are never indexed, so the stream stays open for them until the client leaves.
  back.close()
  await back.ended
  await waitFor(() => h.scanners.events.listeners(batchId) === 1, 2000, 'the server to let go')

  // Reconnecting with the id just seen: nothing missed, nothing sent, the stream waits.
  const idle = await listen(url, back.lastId())
  t.equal(idle.status, 200)
  const early = await Promise.race([idle.ended.then(() => 'ended'), new Promise(resolve => setTimeout(() => resolve('open'), 300))])
  t.equal(early, 'open', 'the stream stays open')
  t.same(idle.events, [])
  idle.close()
  t.equal(await idle.ended, false)
})

t.test('an id from before a restart, or older than what is kept, gets a snapshot, then live events', async t => {
  const gates = sheetGates()
  t.teardown(() => gates.open(Infinity))
  const a = await openHarness(t, { beforeSheet: gates.before })
  const { url, batchId } = await startBatch(t, a)
  const before = await listen(url)
  gates.open(3)
  await waitFor(() => scanned(before).length === 3, 5000, 'three pages')
  const lastSeen = before.lastId()!
  before.close()
  await before.ended
  await waitFor(() => a.scanners.events.listeners(batchId) === 0, 2000, 'the server to let go')

  // Too old for this process: more events for the batch than it keeps (1000) came after it.
  for (let i = 0; i < 1001; i++) a.scanners.events.emit(batchId, { type: 'page-recognized', pageId: `p_${i}`, recordId: 'r_x' })
  const old = await listen(url, lastSeen)
  await waitFor(() => old.events.length > 0, 5000, 'the snapshot')
  t.match(old.events[0], { event: 'snapshot', data: { id: batchId, status: 'scanning', pageCount: 3 } })
  t.ok(seqOf(old.events[0].id) >= 1004, 'the snapshot carries the current id')
  old.close()
  await old.ended

  // A restart: the appliance stops (sheet 4 is let go, the batch is left paused), another one serves the same store.
  await a.app.close()
  const stopping = a.scanners.stop()
  gates.open(Infinity)
  await stopping
  const b = await openHarness(t, { store: a.store, saned: a.saned })
  const url2 = `${await b.app.listen({ host: '127.0.0.1', port: 0 })}/api/v1/batches/${batchId}/events`
  const after = await listen(url2, lastSeen)
  await waitFor(() => after.events.length > 0, 5000, 'the snapshot')
  t.match(after.events[0], { event: 'snapshot', data: { id: batchId, status: 'paused', pageCount: 3, reason: /SCAN_INTERRUPTED/ } })
  t.not(after.events[0].id!.split('.')[0], lastSeen.split('.')[0], 'a new process, a new epoch')
  const resume = await fetch(`${url2.replace(/\/events$/, '')}/resume`, { method: 'POST' })
  t.equal(resume.status, 202)
  await waitFor(() => after.events.some(e => e.event === 'finished'), 10_000, 'the end')
  t.same(after.events.map(e => e.event).slice(0, 2), ['snapshot', 'resumed'])
  t.same(scanned(after), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "the resumed batch goes on from sheet 4 (a reopened test feeder holds 10 more)")
  after.close()
  await after.ended
})

t.test('a batch that is over: view and finished, then the end; 204 for a client that saw it all', async t => {
  const h = await openHarness(t, { pipeline: ({ store }) => new Pipeline({ store, steps: quickSteps(), logger, maxAttempts: 2 }) })
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50 })
  await waitForStatus(h.store, batchId, 'finished')
  await waitFor(async () => (await h.records.batch(batchId)).done, 10_000, 'every page indexed')
  const url = `${base}/api/v1/batches/${batchId}/events`

  const late = await listen(url)
  t.equal(await late.ended, true, 'the server ended the stream')
  t.same(late.events.map(e => e.event), ['status', 'finished'])
  t.match(late.events[0].data, { status: 'finished', pageCount: 10, done: true, stages: { indexed: 10 } })
  t.same(late.events[1].data, { pages: 10 })
  t.equal(h.scanners.events.listeners(batchId), 0)

  const again = await listen(url, late.lastId())
  t.equal(again.status, 204, 'EventSource stops reconnecting on 204')
  t.equal(await again.ended, true)
  t.same(again.events, [])

  // From another process's id: the view again, and the end.
  const restarted = await listen(url, 'zzzzzz.42')
  t.equal(await restarted.ended, true)
  t.same(restarted.events.map(e => e.event), ['snapshot', 'finished'])
})

t.test('a finished batch whose pages are still in OCR: the stream follows them, then ends', async t => {
  let release!: () => void
  const hold = new Promise<void>(resolve => { release = resolve })
  const h = await openHarness(t, { pipeline: ({ store }) => new Pipeline({ store, steps: quickSteps(hold), logger, maxAttempts: 2 }) })
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50 })
  await waitForStatus(h.store, batchId, 'finished')
  const url = `${base}/api/v1/batches/${batchId}/events`

  const stream = await listen(url)
  await waitFor(() => stream.events.length >= 2, 5000, 'the view and the end of scanning')
  t.same(stream.events.slice(0, 2).map(e => e.event), ['status', 'finished'])
  t.equal(stream.events[0].data.done, false)
  // A client that leaves now and comes back misses nothing: replay is empty, and the stream waits.
  const lastSeen = stream.lastId()
  stream.close()
  await stream.ended
  const back = await listen(url, lastSeen)
  t.equal(back.status, 200)
  release()
  t.equal(await back.ended, true, 'ended by the server once every page was indexed')
  t.equal(back.events.filter(e => e.event === 'page-recognized').length, 10)
  t.equal(back.events.filter(e => e.event === 'page-indexed').length, 10)
  t.equal(back.events.at(-1)?.event, 'page-indexed')
  t.ok((await h.records.batch(batchId)).done)
})

t.test('the ring: ids, replay, bounds, eviction, other processes', async t => {
  const ring = new BatchEvents({ perBatch: 3, batches: 2 })
  const ev = (n: number) => ({ type: 'finished' as const, pages: n })
  const start = ring.cursor()
  t.match(start, /^[0-9a-z]+\.0$/)
  ring.emit('b1', ev(1)) // seq 1
  ring.emit('b2', ev(2)) // seq 2
  ring.emit('b1', ev(3)) // seq 3
  t.same(ring.since('b1', start)?.map(e => e.seq), [1, 3])
  t.same(ring.since('b1', `${ring.epoch}.1`)?.map(e => e.seq), [3])
  t.same(ring.since('b1', `${ring.epoch}.3`), [], 'nothing missed')
  t.equal(ring.since('b1', `${ring.epoch}.9`), null, 'an id from the future')
  t.equal(ring.since('b1', 'other.1'), null, 'another process')
  t.equal(ring.since('b1', 'garbage'), null)
  t.same(ring.since('b9', start), [], 'a batch without events has nothing to replay')
  for (let i = 0; i < 3; i++) ring.emit('b1', ev(10 + i)) // seq 4..6: b1 keeps 4, 5, 6
  t.equal(ring.since('b1', `${ring.epoch}.1`), null, 'older than the ring')
  t.same(ring.since('b1', `${ring.epoch}.3`)?.map(e => e.seq), [4, 5, 6])
  ring.emit('b3', ev(20)) // seq 7: b2 (least recently active) is dropped
  t.equal(ring.since('b2', `${ring.epoch}.0`), null, 'a dropped batch cannot replay')
  t.same(ring.since('b2', `${ring.epoch}.7`), [], 'but nothing after its drop was missed')
  ring.emit('b2', ev(21)) // seq 8: a new ring for b2 remembers what went before
  t.equal(ring.since('b2', `${ring.epoch}.1`), null)
  t.same(ring.since('b2', `${ring.epoch}.7`)?.map(e => e.seq), [8])
  const got: string[] = []
  const off = ring.subscribe('b1', (e, id) => got.push(`${e.type}@${id}`))
  ring.emit('b1', ev(30))
  off()
  ring.emit('b1', ev(31))
  t.same(got, [`finished@${ring.epoch}.9`])
  t.not(new BatchEvents().epoch, ring.epoch)
})
