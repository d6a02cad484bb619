/**
 * The network layer on real libp2p hosts in one process (loopback): framing and backpressure of the channel, the
 * gater, the private network (and the patched pnet on a transfer larger than its unpatched limit), the token
 * bucket's rate, and the schedule window.
 */
import { randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { generateKey } from '@libp2p/pnet'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { Channel, createHost, RateMeter, TokenBucket } from '../../sync/src/index.js'
import { createWindow } from '../../sync/src/window.js'
import { loadConfig } from '../../appliance/src/config/index.js'
import { tempDir } from '../helpers/tmp.js'

interface Node { host: Libp2p, id: string, key: PrivateKey }

async function node (t: Test, opts: { listen?: boolean, allowIn?: (id: string) => boolean, allowOut?: (id: string) => boolean, psk?: Uint8Array, refused?: string[] } = {}): Promise<Node> {
  const key = await generateKeyPair('Ed25519')
  const host = await createHost({
    privateKey: key,
    listen: opts.listen ? ['/ip4/127.0.0.1/tcp/0'] : [],
    psk: opts.psk,
    allowInbound: opts.allowIn ?? (() => false),
    allowOutbound: opts.allowOut ?? (() => true),
    onRefused: (id) => { opts.refused?.push(id) }
  })
  t.teardown(async () => await host.stop())
  return { host, id: peerIdFromPrivateKey(key).toString(), key }
}

/** A server that counts the payload bytes of every frame, slowly when asked, and answers with the total. */
async function countingServer (server: Node, delayMs = 0): Promise<void> {
  await server.host.handle('/test/count/1', async (stream) => {
    const ch = new Channel(stream)
    let bytes = 0
    let frames = 0
    for (;;) {
      const frame = await ch.receive()
      if (!frame || frame.header.t === 'end') break
      bytes += frame.payload.byteLength
      frames++
      if (delayMs > 0) await new Promise(resolve => setTimeout(resolve, delayMs))
    }
    await ch.send({ t: 'total', bytes, frames })
    await ch.close()
  })
}

async function push (from: Node, to: Node, total: number, chunk = 256 * 1024): Promise<{ bytes: number, frames: number, seconds: number }> {
  const started = performance.now()
  const ch = new Channel(await from.host.dialProtocol(to.host.getMultiaddrs()[0], '/test/count/1'))
  const data = randomBytes(chunk)
  for (let sent = 0; sent < total; sent += chunk) await ch.send({ t: 'c', o: sent }, data)
  await ch.send({ t: 'end' })
  const { header } = await ch.expect<{ bytes: number, frames: number }>()
  await ch.close()
  return { bytes: header.bytes, frames: header.frames, seconds: (performance.now() - started) / 1000 }
}

t.test('frames arrive whole and in order; a slow reader pauses the sender instead of overflowing', async t => {
  const allowed = new Set<string>()
  const server = await node(t, { listen: true, allowIn: id => allowed.has(id) })
  const client = await node(t)
  allowed.add(client.id)
  await countingServer(server, 8)
  // 24 MiB against a reader that sleeps 8 ms per 256 KiB frame: without backpressure the 4 MiB read buffer overflows.
  const r = await push(client, server, 24 * 1024 * 1024)
  t.equal(r.bytes, 24 * 1024 * 1024)
  t.equal(r.frames, 96)
})

t.test('the gater refuses a peer that is not allowed, at connection time', async t => {
  const refused: string[] = []
  const server = await node(t, { listen: true, allowIn: () => false, refused })
  await countingServer(server)
  const stranger = await node(t)
  await t.rejects(push(stranger, server, 1024))
  t.same(refused, [stranger.id], 'the server saw and named the refused peer')
  const client = await node(t, { allowOut: id => id === 'someone-else' })
  await t.rejects(client.host.dialProtocol(server.host.getMultiaddrs()[0], '/test/count/1'), 'a district dials only its province')
})

t.test('private network: the same key connects (and carries 100 MiB, past the unpatched pnet limit); another key does not', async t => {
  const psk = new Uint8Array(95)
  generateKey(psk)
  const other = new Uint8Array(95)
  generateKey(other)
  const server = await node(t, { listen: true, allowIn: () => true, psk })
  await countingServer(server)
  const member = await node(t, { psk })
  const r = await push(member, server, 100 * 1024 * 1024)
  t.equal(r.bytes, 100 * 1024 * 1024)
  t.comment(`pnet: ${(100 / r.seconds).toFixed(0)} MiB/s`)
  const outsider = await node(t, { psk: other })
  await t.rejects(push(outsider, server, 1024))
})

t.test('token bucket: the long-run rate is the cap whatever the message size', async t => {
  for (const [rate, size] of [[2_000_000, 256 * 1024], [2_000_000, 5000], [300_000, 512 * 1024]] as const) {
    const bucket = new TokenBucket(rate)
    const meter = new RateMeter()
    const started = performance.now()
    let sent = 0
    while (performance.now() - started < 1000) { await bucket.take(size); sent += size; meter.add(size) }
    const seconds = (performance.now() - started) / 1000
    const achieved = sent / seconds
    t.ok(Math.abs(achieved - rate) / rate < 0.2 + size / rate / seconds, `${rate} B/s with ${size} B messages: ${Math.round(achieved)} B/s`)
  }
  const free = new TokenBucket(0)
  const started = performance.now()
  for (let i = 0; i < 10_000; i++) await free.take(1_000_000)
  t.ok(performance.now() - started < 500, 'no cap: no wait')
})

t.test('schedule window: open between start and end, and parsed from the environment', async t => {
  const hour = new Date().getHours()
  const open = createWindow({ start: `0 ${(hour + 23) % 24} * * *`, end: `0 ${(hour + 1) % 24} * * *` }, () => {})
  const closed = createWindow({ start: `0 ${(hour + 1) % 24} * * *`, end: `0 ${(hour + 2) % 24} * * *` }, () => {})
  t.teardown(async () => { await open.stop(); await closed.stop() })
  t.equal(open.isOpen(), true, 'started an hour ago, ends in an hour')
  t.equal(closed.isOpen(), false, 'starts in an hour')
  t.ok(closed.next().start! < closed.next().end!)

  const dir = await tempDir(t)
  const base = { SOHOA_DATA_DIR: dir }
  t.same(loadConfig({ env: { ...base, SOHOA_SYNC_SCHEDULE: '22:00-05:30' } }).syncSchedule, { start: '0 22 * * *', end: '30 5 * * *' })
  t.equal(loadConfig({ env: { ...base, SOHOA_SYNC_SCHEDULE: 'always' } }).syncSchedule, 'always')
  t.same(loadConfig({ env: base }).syncSchedule, { start: '0 22 * * *', end: '0 5 * * *' }, 'nightly by default')
  const cfg = loadConfig({ env: { ...base, SOHOA_ROLE: 'province', SOHOA_P2P_LISTEN: '/ip4/127.0.0.1/tcp/0', SOHOA_SYNC_BANDWIDTH: '1000000' } })
  t.equal(cfg.role, 'province')
  t.same(cfg.p2pListen, ['/ip4/127.0.0.1/tcp/0'])
  t.equal(cfg.syncBandwidth, 1_000_000)
  t.throws(() => loadConfig({ env: { ...base, SOHOA_PROVINCE: '/ip4/10.0.0.1/tcp/4001' } }), { code: 'CONFIG_INVALID' }, 'a province address needs its peer ID')
})
