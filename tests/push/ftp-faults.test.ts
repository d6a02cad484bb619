// Broken FTP uploads: a half file closed cleanly, a reset data connection, a stalled one, a control connection
// dropped mid-upload, and a shutdown while a page is being committed. Nothing half is ever stored, the server
// keeps serving, and the shutdown waits for the copier's 226. Passive ports 31020-31039 belong to this file.
import { once } from 'node:events'
import { connect as netConnect, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import { Client, FTPError } from 'basic-ftp'
import t from 'tap'
import type { IntakeRequest, IntakeResult } from '../../appliance/src/intake/index.js'
import { FtpDropBox } from '../../appliance/src/push/index.js'
import { countRecords, corpusJpeg, ftpConfig, openHarness, sha256, silent, slowDoor, storedSha, waitFor } from './setup.js'

const ACCOUNT = { username: 'copier', password: 'mat-khau-dai', unit: '622' }

async function login (t: { teardown: (fn: () => unknown) => void }, port: number): Promise<Client> {
  const client = new Client(10_000)
  t.teardown(() => { client.close() })
  await client.access({ host: '127.0.0.1', port, user: ACCOUNT.username, password: ACCOUNT.password })
  return client
}

/** A source that sends `bytes` once, then calls `after` and never ends by itself. */
function sendThen (bytes: Buffer, after: () => void = () => {}): Readable {
  let sent = false
  return new Readable({
    read () {
      if (sent) return
      sent = true
      this.push(bytes)
      setTimeout(after, 50)
    }
  })
}

/** A minimal raw FTP client: enough to drop the control connection while the data connection stays open. */
class RawFtp {
  private buffer = ''
  private constructor (readonly control: Socket) {
    control.setEncoding('utf8')
    control.on('data', (chunk: string) => { this.buffer += chunk })
  }

  static async open (port: number): Promise<RawFtp> {
    const socket = netConnect(port, '127.0.0.1')
    await once(socket, 'connect')
    const raw = new RawFtp(socket)
    await raw.expect(/^220 /m)
    return raw
  }

  async command (line: string, answer: RegExp): Promise<string> {
    this.buffer = ''
    this.control.write(`${line}\r\n`)
    return await this.expect(answer)
  }

  async expect (answer: RegExp): Promise<string> {
    await waitFor(() => answer.test(this.buffer), 5000, `reply ${String(answer)}`)
    return this.buffer
  }
}

t.test('broken uploads store nothing and the server keeps serving', async t => {
  const h = await openHarness(t)
  const box = new FtpDropBox({ config: ftpConfig(31020, 31039, [ACCOUNT]), intake: h.intake, logger: silent, maxUploadBytes: 1 << 20, dataIdleMs: 300, loginFailureDelayMs: 20 })
  await box.listen()
  h.cleanup(async () => { await box.close() })
  const jpeg = await corpusJpeg(0)
  const half = jpeg.subarray(0, Math.floor(jpeg.length / 2))

  await t.test('half a JPEG, then the data connection closed cleanly', async t => {
    const client = await login(t, box.port)
    const err = await client.uploadFrom(Readable.from([half]), 'half.jpg').then(() => undefined, (e: unknown) => e)
    t.ok(err instanceof FTPError && err.code === 550, `refused with 550: ${(err as Error)?.message}`)
    t.match((err as Error).message, /cắt cụt.*truncated/, 'says truncated, in Vietnamese and English')
  })

  await t.test('half a JPEG, then the data connection reset', async t => {
    const client = await login(t, box.port)
    const upload = client.uploadFrom(sendThen(half, () => { (client.ftp.dataSocket as Socket | undefined)?.resetAndDestroy() }), 'reset.jpg')
    await t.rejects(upload, 'the client sees the transfer fail')
    await waitFor(() => box.stats.interrupted >= 1, 2000, 'the server to count the interruption')
  })

  await t.test('a stalled data connection times out', async t => {
    const client = await login(t, box.port)
    const started = Date.now()
    await t.rejects(client.uploadFrom(sendThen(half), 'stalled.jpg'), 'the stalled upload fails')
    const took = Date.now() - started
    t.ok(took < 3000, `dropped after the idle time (${took} ms)`)
    await waitFor(() => box.stats.interrupted >= 2, 2000, 'the server to count the stall')
  })

  await t.test('the control connection dropped while the data connection stays open', async t => {
    const raw = await RawFtp.open(box.port)
    await raw.command(`USER ${ACCOUNT.username}`, /^331 /m)
    await raw.command(`PASS ${ACCOUNT.password}`, /^230 /m)
    const epsv = await raw.command('EPSV', /^229 .*\|\|\|(\d+)\|/m)
    const dataPort = Number(/\|\|\|(\d+)\|/.exec(epsv)![1])
    const data = netConnect(dataPort, '127.0.0.1')
    await once(data, 'connect')
    await raw.command('STOR dropped.jpg', /^150 /m)
    data.write(half)
    await delay(50)
    raw.control.destroy()
    const closed = once(data, 'close')
    data.resume()
    await Promise.race([closed, delay(2000).then(() => { throw new Error('data connection left open') })])
    t.pass('the server closed the orphaned data connection at once')
    await waitFor(() => box.stats.interrupted >= 3, 2000, 'the server to count it')
  })

  t.equal(await countRecords(h.store), 0, 'nothing of any broken upload was stored')
  t.equal(await storedSha(h.store, '622', half), undefined)

  await t.test('a new session uploads fine afterwards', async t => {
    const client = await login(t, box.port)
    t.equal((await client.uploadFrom(Readable.from([jpeg]), 'whole.jpg')).code, 226)
    t.equal(await storedSha(h.store, '622', jpeg), sha256(jpeg))
  })
})

t.test('a shutdown while a page is being committed waits for its 226', async t => {
  const h = await openHarness(t)
  const committed: IntakeResult[] = []
  const entered: IntakeRequest[] = []
  const box = new FtpDropBox({ config: ftpConfig(31020, 31039, [ACCOUNT]), intake: slowDoor(h.intake, 400, committed, entered), logger: silent, maxUploadBytes: 1 << 20 })
  await box.listen()
  h.cleanup(async () => { await box.close() })
  const client = await login(t, box.port)
  const jpeg = await corpusJpeg(5)
  const upload = client.uploadFrom(Readable.from([jpeg]), 'last.jpg')
  await waitFor(() => entered.length === 1, 5000, 'the whole file to reach intake')
  const closing = box.close()
  const reply = await upload
  t.equal(reply.code, 226, 'the copier got its acknowledgement')
  await closing
  t.equal(committed.length, 1)
  t.equal(await storedSha(h.store, '622', jpeg), sha256(jpeg), 'and the page is stored')
})

t.test('the control idle timeout closes idle sessions but never cuts an upload short', async t => {
  const h = await openHarness(t)
  const box = new FtpDropBox({ config: ftpConfig(31020, 31039, [ACCOUNT]), intake: slowDoor(h.intake, 600), logger: silent, maxUploadBytes: 1 << 20, controlIdleMs: 250 })
  await box.listen()
  h.cleanup(async () => { await box.close() })
  const client = await login(t, box.port)
  const jpeg = await corpusJpeg(6)
  const reply = await client.uploadFrom(Readable.from([jpeg]), 'slow-commit.jpg')
  t.equal(reply.code, 226, 'an upload whose commit outlasts the idle timeout is still acknowledged')
  t.equal(await storedSha(h.store, '622', jpeg), sha256(jpeg))
  await delay(500)
  await t.rejects(client.send('NOOP'), 'an idle session is closed')
})
