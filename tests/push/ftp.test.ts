// The FTP drop box with a real client (basic-ftp) on loopback: uploads are acknowledged only once durable, wrong
// credentials get 530, refused files an error reply and nothing stored, and nothing of the disk is reachable.
// Passive ports 31000-31019 belong to this file.
import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { Client, FTPError } from 'basic-ftp'
import t from 'tap'
import { hashPassword } from '../../appliance/src/auth/passwords.js'
import { FtpDropBox, startPush } from '../../appliance/src/push/index.js'
import { countRecords, corpusJpeg, ftpConfig, openHarness, sha256, silent, slowDoor, storedSha } from './setup.js'
import type { IntakeResult } from '../../appliance/src/intake/index.js'

const PASV_MIN = 31000
const PASV_MAX = 31019

async function connect (t: { teardown: (fn: () => unknown) => void }, port: number, user: string, password: string): Promise<Client> {
  const client = new Client(10_000)
  t.teardown(() => { client.close() })
  await client.access({ host: '127.0.0.1', port, user, password })
  return client
}

async function ftpCode (work: Promise<unknown>): Promise<{ code: number | undefined, message: string }> {
  try {
    await work
    return { code: undefined, message: 'resolved' }
  } catch (err) {
    return { code: err instanceof FTPError ? err.code : undefined, message: (err as Error).message }
  }
}

t.test('the drop box takes what copiers push, and nothing else', async t => {
  const h = await openHarness(t)
  const committed: IntakeResult[] = []
  const signalsBefore = ['SIGTERM', 'SIGINT', 'SIGQUIT'].map(s => process.listenerCount(s))
  const box = new FtpDropBox({
    config: ftpConfig(PASV_MIN, PASV_MAX, [
      { username: 'copier-622', password: 'mat-khau-622', unit: '622' },
      { username: 'copier-623', passwordHash: await hashPassword('mat-khau-623'), unit: '623' }
    ]),
    // The real intake, 150 ms slower: a 226 sent before the page is durable could not hide.
    intake: slowDoor(h.intake, 150, committed),
    logger: silent,
    maxUploadBytes: 400_000,
    loginFailureDelayMs: 20
  })
  await box.listen()
  h.cleanup(async () => { await box.close() })
  t.same(['SIGTERM', 'SIGINT', 'SIGQUIT'].map(s => process.listenerCount(s)), signalsBefore, "ftp-srv's exit-on-signal handlers are removed")

  const jpeg = await corpusJpeg(0)

  await t.test('a good upload is acknowledged only once durable', async t => {
    const client = await connect(t, box.port, 'copier-622', 'mat-khau-622')
    let dataPort = 0
    const source = new Readable({
      read () {
        dataPort = client.ftp.dataSocket?.remotePort ?? 0
        this.push(jpeg)
        this.push(null)
      }
    })
    const reply = await client.uploadFrom(source, 'Nguyen Van A - giay khai sinh.jpg')
    // Checked right after the 226, before anything else: the record must already be there.
    t.equal(await storedSha(h.store, '622', jpeg), sha256(jpeg), 'record with the file\'s sha256 exists when the upload resolves')
    t.equal(reply.code, 226)
    t.equal(committed.length, 1, 'intake answered before the client got 226')
    t.ok(dataPort >= PASV_MIN && dataPort <= PASV_MAX, `passive data port ${dataPort} is in the configured range`)
    const record = await h.store.getRecord(committed[0].recordId)
    t.equal(record?.unit, '622')
    t.equal(record?.filename, 'Nguyen Van A - giay khai sinh.jpg')

    const again = await client.uploadFrom(Readable.from([jpeg]), 'again.jpg')
    t.equal(again.code, 226, 'the same bytes again are acknowledged')
    t.equal(committed[1].created, false, '... as the record already there')
    t.equal(await countRecords(h.store), 1, 'no duplicate')
  })

  await t.test('wrong password, unknown user and anonymous get 530', async t => {
    for (const [user, password] of [['copier-622', 'wrong-password'], ['copier-623', 'mat-khau-622'], ['nobody', 'x'], ['anonymous', 'guest@example.com']]) {
      const client = new Client(10_000)
      t.teardown(() => { client.close() })
      const { code } = await ftpCode(client.access({ host: '127.0.0.1', port: box.port, user, password }))
      t.equal(code, 530, `${user} refused with 530`)
    }
    t.equal(box.stats.loginFailures, 4)
  })

  await t.test('a non-image file gets an error reply and nothing is stored', async t => {
    const before = await countRecords(h.store)
    const client = await connect(t, box.port, 'copier-622', 'mat-khau-622')
    const text = Buffer.from('Đây không phải là ảnh quét. This is not a scan.\n'.repeat(50))
    const { code, message } = await ftpCode(client.uploadFrom(Readable.from([text]), 'notes.txt'))
    t.equal(code, 550, 'permanent refusal')
    t.match(message, / \/ /, `bilingual message: ${message}`)
    t.equal(await countRecords(h.store), before, 'nothing stored')
    t.equal(await storedSha(h.store, '622', text), undefined)
    // The session stays usable after a refusal.
    const ok = await client.uploadFrom(Readable.from([await corpusJpeg(1)]), 'next.jpg')
    t.equal(ok.code, 226)
  })

  await t.test('uploads over maxUploadBytes are cut off and not stored', async t => {
    const before = await countRecords(h.store)
    const client = await connect(t, box.port, 'copier-622', 'mat-khau-622')
    const big = Buffer.concat([jpeg, Buffer.alloc(500_000, 7)])
    const { code, message } = await ftpCode(client.uploadFrom(Readable.from([big]), 'big.jpg'))
    t.not(code, 226, `refused (${code ?? message})`)
    t.equal(await countRecords(h.store), before, 'nothing stored')
    t.ok(box.stats.refused >= 2)
  })

  await t.test('a second account files into its own unit', async t => {
    const client = await connect(t, box.port, 'copier-623', 'mat-khau-623')
    const page = await corpusJpeg(2)
    const reply = await client.uploadFrom(Readable.from([page]), 'scan.jpg')
    t.equal(reply.code, 226)
    t.equal(await storedSha(h.store, '623', page), sha256(page), 'filed under 623')
    t.equal(await storedSha(h.store, '622', page), undefined, 'not under 622')
  })

  await t.test('nothing of the file system is reachable', async t => {
    const client = await connect(t, box.port, 'copier-622', 'mat-khau-622')
    t.equal((await ftpCode(client.send('RETR /etc/passwd'))).code, 502, 'RETR refused')
    t.equal((await ftpCode(client.send('DELE x.jpg'))).code, 502, 'DELE refused')
    t.equal((await ftpCode(client.send('RNFR x.jpg'))).code, 502, 'RNFR refused')
    t.equal((await ftpCode(client.send('SITE CHMOD 777 x.jpg'))).code, 502, 'SITE refused')
    t.equal((await ftpCode(client.send('APPE x.jpg'))).code, 502, 'APPE refused')
    t.same(await client.list(), [], 'the root lists empty')
    await client.cd('../../../../etc')
    t.equal(await client.pwd(), '/etc', 'a path escape stays inside the virtual root')
    t.same(await client.list(), [], '"/etc" lists empty: it is not the disk\'s')
    await client.ensureDir('/scans/2026')
    t.equal(await client.pwd(), '/scans/2026', 'a copier may make and enter its folder')
    const escape = join(h.dir, 'escaped.jpg')
    const page = await corpusJpeg(3)
    const reply = await client.uploadFrom(Readable.from([page]), `../../../../..${escape}`)
    t.equal(reply.code, 226, 'an upload with a climbing path is taken...')
    t.notOk(existsSync(escape), '... into intake, not onto the disk')
    t.same((await readdir(h.dir)).sort(), ['data'], 'nothing written beside the store')
    t.equal(await storedSha(h.store, '622', page), sha256(page))
  })
})

t.test('startPush runs the drop box from the config and stops it, leaving no timer', async t => {
  const h = await openHarness(t)
  const timersBefore = process.getActiveResourcesInfo().filter(r => r === 'Timeout').length
  const push = await startPush({
    config: { ftp: { ...ftpConfig(PASV_MIN, PASV_MAX, [{ username: 'copier', password: 'mat-khau-dai', unit: '622' }]) }, watchFolders: [], maxUploadBytes: 1 << 20 },
    intake: h.intake,
    logger: silent
  })
  h.cleanup(async () => { await push.stop() })
  t.ok(push.ftp, 'ftp enabled')
  const port = push.ftp!.port
  const client = await connect(t, port, 'copier', 'mat-khau-dai')
  const page = await corpusJpeg(4)
  t.equal((await client.uploadFrom(Readable.from([page]), 'a.jpg')).code, 226)
  t.equal(await storedSha(h.store, '622', page), sha256(page))
  const open = new Client(10_000)
  await open.access({ host: '127.0.0.1', port, user: 'copier', password: 'mat-khau-dai' })
  client.close() // one session gone before the stop, one still open at the stop
  await push.stop()
  open.close()
  const timersAfter = process.getActiveResourcesInfo().filter(r => r === 'Timeout').length
  t.ok(timersAfter <= timersBefore, `no timer left behind (${timersBefore} before, ${timersAfter} after)`)
  const again = new Client(2000)
  t.teardown(() => { again.close() })
  t.not((await ftpCode(again.access({ host: '127.0.0.1', port, user: 'copier', password: 'mat-khau-dai' }))).code, 230, 'closed: no more sessions')
})
