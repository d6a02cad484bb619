/**
 * A saned that is silent, gone, killed mid-scan or too slow: every case ends in a typed error within the
 * timeout, and no socket stays open. The silent servers are plain TCP servers (a saned cannot be made to
 * hang on purpose); the kill and the slow transfer use a real saned.
 */
import { createServer, type Server, type Socket } from 'node:net'
import t from 'tap'
import { SaneClient } from '../../../appliance/src/scanner/sane/index.js'
import { appError, saned, settleTcpHandles, stableTcpHandles, tcpHandles } from './setup.js'

interface FakeServer { server: Server, port: number, sockets: Set<Socket> }

/** Accepts connections and answers with `reply` (nothing by default) to whatever arrives first. */
async function fakeSaned (reply?: Buffer): Promise<FakeServer> {
  const sockets = new Set<Socket>()
  const server = createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    // Keep reading, so that the client's FIN is seen and 'close' fires.
    socket.on('data', () => { if (reply !== undefined && socket.bytesWritten === 0) socket.write(reply) })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { server, port: address.port, sockets }
}

async function closeServer (fake: FakeServer): Promise<void> {
  for (const s of fake.sockets) s.destroy()
  await new Promise(resolve => fake.server.close(resolve))
}

async function until (check: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (!check() && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10))
  return check()
}

t.test('a server that accepts but never answers INIT: SANE_TIMEOUT, socket closed', async t => {
  const fake = await fakeSaned()
  t.teardown(async () => await closeServer(fake))
  const baseline = await stableTcpHandles()
  const started = Date.now()
  const err = await appError(t, async () => await SaneClient.connect({ host: '127.0.0.1', port: fake.port, timeoutMs: 300 }))
  const ms = Date.now() - started
  t.same([err.code, err.details?.stage, err.details?.rpc], ['SANE_TIMEOUT', 'rpc', 'INIT'])
  t.ok(ms >= 290 && ms < 1000, `gave up after ${ms} ms`)
  t.ok(await until(() => fake.sockets.size === 0), 'the server saw the connection closed')
  t.equal(await settleTcpHandles(baseline), baseline, 'no client socket left')
})

t.test('a server that answers INIT, then goes silent: the call times out, the client is dead', async t => {
  // status GOOD, version 1.0.3
  const fake = await fakeSaned(Buffer.from([0, 0, 0, 0, 1, 0, 0, 3]))
  t.teardown(async () => await closeServer(fake))
  const baseline = await stableTcpHandles()
  const c = await SaneClient.connect({ host: '127.0.0.1', port: fake.port, timeoutMs: 200 })
  const err = await appError(t, async () => await c.listDevices())
  t.same([err.code, err.details?.rpc], ['SANE_TIMEOUT', 'GET_DEVICES'])
  t.equal(c.closed, true)
  const after = await appError(t, async () => await c.listDevices())
  t.same([after.code, after.details?.reason, after.details?.after], ['SANE_UNREACHABLE', 'connection-unusable', 'SANE_TIMEOUT'],
    'a late reply can never be taken for the next answer')
  await c.close()
  t.ok(await until(() => fake.sockets.size === 0))
  t.equal(await settleTcpHandles(baseline), baseline)
})

t.test('a server that hangs up at once (saned does that to hosts saned.conf does not list)', async t => {
  const server = createServer(socket => socket.destroy())
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as { port: number }
  const err = await appError(t, async () => await SaneClient.connect({ host: '127.0.0.1', port, timeoutMs: 2000 }))
  t.same([err.code, err.details?.reason], ['SANE_ACCESS_DENIED', 'closed-during-init'])
})

t.test('nobody listening: SANE_UNREACHABLE at once', async t => {
  const fake = await fakeSaned()
  const port = fake.port
  await closeServer(fake)
  const err = await appError(t, async () => await SaneClient.connect({ host: '127.0.0.1', port, timeoutMs: 2000 }))
  t.same([err.code, err.details?.reason, err.details?.stage], ['SANE_UNREACHABLE', 'ECONNREFUSED', 'connect'])
})

t.test('with a real saned', async t => {
  const server = await saned(t)

  t.test('open, scan, close leaves no socket behind', async t => {
    const baseline = await stableTcpHandles()
    const c = await SaneClient.connect({ host: server.host, port: server.port, timeoutMs: 5000 })
    const dev = await c.open('test:0')
    await dev.scanPage()
    t.ok(tcpHandles() > baseline, 'the control connection is open')
    await c.close()
    t.equal(c.closed, true)
    t.equal(await settleTcpHandles(baseline), baseline, 'control and data sockets closed')
    t.equal((await appError(t, async () => await c.listDevices())).details?.reason, 'closed')
    t.equal((await appError(t, async () => await dev.scanPage())).details?.reason, 'device-closed')
  })

  t.test('image data that stops flowing: SANE_TIMEOUT, and the device still works', async t => {
    const baseline = await stableTcpHandles()
    const c = await SaneClient.connect({ host: server.host, port: server.port, timeouts: { dataMs: 60 } })
    const dev = await c.open('test:0')
    // The backend pauses 200 ms before each 64 KiB it produces; at 100 dpi the page is two of those.
    await dev.setOption('read-delay', true)
    await dev.setOption('read-delay-duration', 200_000)
    await dev.setOption('resolution', 100)
    const started = Date.now()
    let bytesBefore = 0
    const err = await appError(t, async () => await dev.scanPage({ onProgress: p => { bytesBefore = p.bytesRead } }))
    t.same([err.code, err.details?.stage, err.details?.timeoutMs], ['SANE_TIMEOUT', 'data', 60])
    t.ok(bytesBefore > 0, `data had started (${bytesBefore} bytes) when it stopped`)
    t.ok(Date.now() - started < 1500)
    await dev.setOption('read-delay', false)
    t.equal((await dev.scanPage()).height, Math.floor(100 * 100 / 25.4), 'the control connection survived; CANCEL reset the scan')
    await c.close()
    t.equal(await settleTcpHandles(baseline), baseline)
  })
})

t.test('saned killed in the middle of a scan: a clear error, no hang, no socket left', async t => {
  const server = await saned(t)
  const baseline = await stableTcpHandles()
  const c = await SaneClient.connect({ host: server.host, port: server.port, timeoutMs: 5000 })
  const dev = await c.open('test:0')
  await dev.setOption('read-delay', true)
  await dev.setOption('read-delay-duration', 50_000)
  await dev.setOption('resolution', 600)
  let killedAt = 0
  const err = await appError(t, async () => await dev.scanPage({
    onProgress: () => { if (killedAt === 0) { killedAt = Date.now(); server.kill('SIGKILL') } }
  }))
  const ms = Date.now() - killedAt
  t.ok(killedAt > 0, 'the scan was under way')
  t.same([err.code, err.details?.reason, err.details?.stage], ['SANE_UNREACHABLE', 'connection-lost', 'data'])
  t.ok(ms < 1000, `error ${ms} ms after the kill (timeout 5000 ms)`)
  t.ok(await until(() => c.closed), 'the client knows its control connection is gone too')
  const next = await appError(t, async () => await dev.parameters())
  t.equal(next.code, 'SANE_UNREACHABLE')
  await c.close()
  t.equal(await settleTcpHandles(baseline), baseline)
})
