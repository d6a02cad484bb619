// Issue 15, item 13: the outbox reads at most MAX_ANSWER_BYTES of a target's answer. A receiver on 127.0.0.1 that
// answers 2xx with an endless body is judged by its status once the bound is read, instead of the node reading
// until the timeout (or memory) runs out; an error_code in the first bytes still counts.
import { createServer, type Server } from 'node:http'
import t from 'tap'
import { deliver, MAX_ANSWER_BYTES } from '../../appliance/src/integration/outbox/index.js'

async function serve (t: { teardown: (fn: () => unknown) => void }, handler: Parameters<typeof createServer>[1]): Promise<{ url: string, sent: () => number }> {
  let sent = 0
  const server: Server = createServer((req, res) => {
    const write = res.write.bind(res)
    res.write = ((chunk: any, ...rest: any[]) => { sent += Buffer.byteLength(chunk); return write(chunk, ...rest) }) as typeof res.write
    handler!(req, res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) })
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/sync`, sent: () => sent }
}

t.test('an endless answer is cut at the bound', async t => {
  const chunk = Buffer.alloc(64 * 1024, 'x')
  const target = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    const pump = (): void => { while (!res.destroyed && res.write(chunk)); if (!res.destroyed) res.once('drain', pump) }
    pump()
  })
  const result = await deliver({ name: 'cong', url: target.url }, '{}', 'peer:1', { timeoutMs: 10_000 })
  t.same(result, { ok: true, status: 200 }, 'delivered, judged by its status, not "no answer within 10000 ms"')
  await new Promise(resolve => setTimeout(resolve, 200))
  t.ok(target.sent() < 64 * MAX_ANSWER_BYTES, `the node stopped reading (the server could send ${target.sent()} bytes, within socket buffers)`)
})

t.test('an error_code at the start of a long answer still refuses', async t => {
  const target = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error_code: '7', message: 'sai' }))
  })
  const result = await deliver({ name: 'cong', url: target.url }, '{}', 'peer:2', { timeoutMs: 5000 })
  t.match(result, { ok: false, error: /error_code 7/ })
})
