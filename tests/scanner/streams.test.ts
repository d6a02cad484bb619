/**
 * Issue 15, item 13: event streams per caller are bounded. With MAX_STREAMS_PER_PRINCIPAL streams open on a
 * batch still scanning, one more from the same caller is 429 with Retry-After; once one closes, a new one opens.
 * (The harness's API is the local socket's: every request is the one `local` caller.)
 */
import t from 'tap'
import { MAX_STREAMS_PER_PRINCIPAL } from '../../appliance/src/api/routes/batch-events.js'
import { ADF, openHarness, startScan, waitFor } from './setup.js'

t.test('a caller cannot open event streams without bound', async t => {
  let gate!: () => void
  const held = new Promise<void>(resolve => { gate = resolve })
  const h = await openHarness(t, { beforeSheet: async ({ n }) => { if (n === 1) await held } })
  t.teardown(() => gate())
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 })
  const batchId = await startScan(t, h, { source: ADF, resolution: 50 })
  const open = async (): Promise<{ status: number, retryAfter: string | null, body: Promise<string> | null, close: () => void }> => {
    const abort = new AbortController()
    const res = await fetch(`${url}/api/v1/batches/${batchId}/events`, { headers: { accept: 'text/event-stream' }, signal: abort.signal })
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.status === 200 ? null : res.text(), close: () => abort.abort() }
  }
  const streams = []
  for (let i = 0; i < MAX_STREAMS_PER_PRINCIPAL; i++) streams.push(await open())
  t.same(streams.map(s => s.status), Array(MAX_STREAMS_PER_PRINCIPAL).fill(200), `${MAX_STREAMS_PER_PRINCIPAL} streams open`)
  const refused = await open()
  t.equal(refused.status, 429, 'one more is refused')
  t.equal(refused.retryAfter, '5')
  t.match(JSON.parse(await refused.body!), { error: 'RATE_LIMITED', details: { maxStreams: MAX_STREAMS_PER_PRINCIPAL } })
  streams.pop()!.close()
  let again = await open()
  await waitFor(async () => {
    if (again.status === 200) return true
    again = await open()
    return again.status === 200
  }, 5000, 'a stream to open once one closed')
  t.equal(again.status, 200, 'a place freed by a closed stream is taken again')
  for (const s of [...streams, again]) s.close()
  gate()
})
