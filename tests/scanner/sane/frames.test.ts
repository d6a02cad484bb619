/**
 * Issue 15, item 13: the sizes saned sends for a frame are bounded. A data connection that announces (lines ×
 * bytes per line) or keeps sending more than a page can be is refused with SANE_PROTOCOL before the bytes are
 * allocated; a frame within the bound is read whole. The data servers are plain TCP servers on 127.0.0.1 (a real
 * saned cannot be made to lie about sizes).
 */
import { createServer, type Server, type Socket } from 'node:net'
import t from 'tap'
import { DataStream } from '../../../appliance/src/scanner/sane/transfer.js'
import type { SaneParameters } from '../../../appliance/src/scanner/sane/codec.js'
import { STATUS_EOF } from '../../../appliance/src/scanner/sane/constants.js'
import { appError } from './setup.js'

/** A data port that sends `records` (each a 4-byte length, then the bytes), then the end-of-frame marker and EOF. */
async function dataServer (t: Parameters<typeof appError>[0], records: number[]): Promise<number> {
  const sockets = new Set<Socket>()
  const server: Server = createServer(socket => {
    sockets.add(socket)
    socket.on('error', () => {})
    for (const length of records) {
      const head = Buffer.alloc(4)
      head.writeUInt32BE(length)
      socket.write(head)
      socket.write(Buffer.alloc(length, 7))
    }
    socket.end(Buffer.from([0xff, 0xff, 0xff, 0xff, STATUS_EOF]))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { for (const s of sockets) s.destroy(); await new Promise(resolve => server.close(resolve)) })
  return (server.address() as { port: number }).port
}

const params = (lines: number, bytesPerLine: number): SaneParameters => ({ format: 'gray' as SaneParameters['format'], lastFrame: true, bytesPerLine, pixelsPerLine: bytesPerLine, lines, depth: 8 })
const frame = (p: SaneParameters, maxBytes?: number) => ({ params: p, frame: 0, idleTimeoutMs: 2000, cancelled: () => false, ...(maxBytes ? { maxBytes } : {}) })

t.test('announced sizes beyond a page are refused before anything is allocated', async t => {
  const port = await dataServer(t, [16])
  const stream = await DataStream.open('127.0.0.1', port, 1000)
  const before = process.memoryUsage().arrayBuffers
  // 2^31 lines of 1 MiB: 2 PiB. Before issue 15 this was Buffer.allocUnsafe(2 PiB).
  const err = await appError(t, async () => await stream.readFrame(frame(params(2 ** 31 - 1, 1 << 20))))
  t.match(err, { code: 'SANE_PROTOCOL', details: { reason: 'frame-too-large', lines: 2 ** 31 - 1, bytesPerLine: 1 << 20 } })
  t.ok(process.memoryUsage().arrayBuffers - before < 64 << 20, 'nothing large was allocated')
})

t.test('a frame of unknown length that keeps coming stops at the bound', async t => {
  const port = await dataServer(t, [512 * 1024, 512 * 1024, 512 * 1024])
  const stream = await DataStream.open('127.0.0.1', port, 1000)
  const err = await appError(t, async () => await stream.readFrame(frame(params(-1, 1000), 1 << 20)))
  t.match(err, { code: 'SANE_PROTOCOL', details: { reason: 'frame-too-large', bytesRead: 1 << 20, maxBytes: 1 << 20 } })
})

t.test('a frame within the bound is read whole', async t => {
  const port = await dataServer(t, [300_000, 300_000])
  const stream = await DataStream.open('127.0.0.1', port, 1000)
  const bytes = await stream.readFrame(frame(params(-1, 1000), 1 << 20))
  t.equal(bytes.length, 600_000)
  t.ok(bytes.every(b => b === 7))
})
