// The outbox's admin routes on the real appliance: a portal refuses two records, so their messages become dead
// letters (one more is held behind them); an admin lists targets and dead letters, sends the held one back (its record's
// earlier dead letter goes with it, same keys) and discards the other with a reason. A read token gets 403 everywhere.
import t from 'tap'
import { ArchiveLifecycle } from '../../appliance/src/archive/index.js'
import { archiveIdOf, RecordLifecycle } from '../../appliance/src/records/index.js'
import { archiveRecord, openArchive } from '../archive/log-fixture.js'
import { createToken, startAppliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { docOf, seqOf, startPortal, until } from './outbox-portal.js'

t.test('list targets and dead letters, retry, discard; admins only', async t => {
  const dataDir = await tempDir(t, 'sohoa-outbox-routes-')
  const a = await openArchive(t, dataDir)
  const records = []
  for (let i = 0; i < 4; i++) records.push((await archiveRecord(a, { fields: { documentType: 'GIẤY PHÉP', documentNumber: `${i + 1}/GP`, issuedDate: '2020-02-02' } })).record)
  const [, refused, lost] = records
  await new ArchiveLifecycle(a.store, new RecordLifecycle(a.store), a.archiveLog).changeValidity(refused.id, { action: 'revoke', reason: 'Thu hồi' }, 'reviewer1')
  const peerId = a.key.peerId
  await a.store.close()

  const portal = await startPortal()
  t.teardown(async () => await portal.close())
  let refuse = new Set([archiveIdOf(refused), archiveIdOf(lost)])
  portal.decide = (req) => refuse.has(docOf(req.body).GiayToId) ? 'fail500' : 'ok'
  const app = await startAppliance({
    dataDir,
    env: {
      SOHOA_OUTBOX_TARGETS: `tinh=${portal.url.replace('http://', 'http://sohoa:bi-mat-123@')}`, SOHOA_OUTBOX_TIMEOUT_MS: '2000',
      SOHOA_OUTBOX_BACKOFF_MS: '5', SOHOA_OUTBOX_BACKOFF_MAX_MS: '20', SOHOA_OUTBOX_MAX_ATTEMPTS: '2', SOHOA_OUTBOX_POLL_MS: '50'
    }
  })
  t.teardown(() => app.kill9())
  const admin = await createToken(app.url, 'admin')
  const read = await createToken(app.url, 'read')
  const call = async (token: string, method: string, path: string, body?: unknown): Promise<{ status: number, json: any, text: string }> => {
    const res = await fetch(`${app.url}/api/v1/integration/outbox${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.text()
    return { status: res.status, text, json: text ? JSON.parse(text) : null }
  }
  await until('the dead letters', async () => (await call(admin.secret, 'GET', '')).json.targets[0].deadLetters === 3, 30_000)

  // Someone without the admin permission sees nothing and changes nothing.
  for (const [method, path, body] of [['GET', ''], ['GET', '/dead-letters'], ['POST', '/dead-letters/tinh~2/retry'], ['DELETE', '/dead-letters/tinh~2', { reason: 'không cần' }]] as const) {
    const res = await call(read.secret, method, path, body)
    t.equal(res.status, 403, `${method} ${path}: 403 for a read token`)
    t.equal(res.json.error, 'FORBIDDEN')
  }

  const status = await call(admin.secret, 'GET', '')
  t.equal(status.status, 200)
  t.match(status.json, { targets: [{ name: 'tinh', url: portal.url, nextSeq: 6, headSeq: 5, pending: 0, delivered: 2, deadLetters: 3, retrying: 0 }] })
  t.notOk(status.text.includes('bi-mat'), 'no credentials in the answer')

  const listed = await call(admin.secret, 'GET', '/dead-letters')
  t.equal(listed.status, 200)
  const dead = listed.json.deadLetters
  t.match(dead, [
    { id: 'tinh~2', target: 'tinh', seq: 2, recordId: refused.id, type: 'record.archived', state: 'dead', attempts: 2, lastError: 'HTTP 500', idempotencyKey: `${peerId}:2`, message: { service: 'DongBoHoSoMC', isUpdating: 'False' } },
    { id: 'tinh~3', seq: 3, recordId: lost.id, type: 'record.archived', state: 'dead', attempts: 2 },
    { id: 'tinh~5', seq: 5, recordId: refused.id, type: 'record.validity', state: 'dead', attempts: 0, heldBehind: 2, message: { isUpdating: 'True' } }
  ])
  t.ok(dead.every((d: any) => typeof d.firstAttemptAt === 'string' || d.heldBehind), 'attempt times are given')
  t.same((await call(admin.secret, 'GET', '/dead-letters?target=other')).json.deadLetters, [])
  t.equal((await call(admin.secret, 'GET', '/dead-letters?state=sideways')).status, 400)
  t.notOk(portal.requests.some(r => seqOf(r.key!) === 5), 'the held message was never sent')

  // The portal is fixed for one record; an admin sends its held change back: its archiving goes first, same keys.
  refuse = new Set([archiveIdOf(lost)])
  const retried = await call(admin.secret, 'POST', '/dead-letters/tinh~5/retry')
  t.equal(retried.status, 202)
  t.same(retried.json, { queued: true, ids: ['tinh~2', 'tinh~5'] })
  await until('the retried messages', () => portal.applied.length === 4)
  t.same(portal.applied.map(x => x.key), [`${peerId}:1`, `${peerId}:4`, `${peerId}:2`, `${peerId}:5`], 'the record\'s archiving, then its revocation')
  t.same(new Set(portal.requests.filter(r => docOf(r.body).GiayToId === archiveIdOf(refused) && r.body.isUpdating === 'False').map(r => r.key)), new Set([`${peerId}:2`]), 'one key before and after the retry')
  await until('the retried ones delivered', async () => (await call(admin.secret, 'GET', '/dead-letters?state=delivered')).json.deadLetters.length === 2)
  t.equal((await call(admin.secret, 'POST', '/dead-letters/tinh~2/retry')).status, 409, 'a delivered one cannot go back')

  // The other is given up, with a reason.
  t.equal((await call(admin.secret, 'DELETE', '/dead-letters/tinh~3', {})).status, 400, 'a reason is required')
  const discarded = await call(admin.secret, 'DELETE', '/dead-letters/tinh~3', { reason: 'Đã gửi bằng văn bản giấy' })
  t.equal(discarded.status, 200)
  t.match(discarded.json, { discarded: true, deadLetter: { id: 'tinh~3', state: 'discarded', discarded: { by: admin.id, reason: 'Đã gửi bằng văn bản giấy' } } })
  const again = await call(admin.secret, 'DELETE', '/dead-letters/tinh~3', { reason: 'lần nữa' })
  t.equal(again.status, 409)
  t.equal(again.json.error, 'OUTBOX_DEAD_LETTER_STATE')
  t.equal((await call(admin.secret, 'POST', '/dead-letters/tinh~3/retry')).status, 409)
  t.equal((await call(admin.secret, 'POST', '/dead-letters/tinh~99/retry')).json.error, 'OUTBOX_DEAD_LETTER_NOT_FOUND')
  t.equal((await call(admin.secret, 'POST', '/dead-letters/not-an-id/retry')).status, 400)
  t.same((await call(admin.secret, 'GET', '/dead-letters')).json.deadLetters, [], 'nothing left open')
  t.equal((await call(admin.secret, 'GET', '/dead-letters?state=all')).json.deadLetters.length, 3, 'the history stays')
  t.match((await call(admin.secret, 'GET', '')).json.targets[0], { deadLetters: 0, delivered: 4, pending: 0 })

  const metrics = await (await fetch(`${app.url}/metrics`)).text()
  t.match(metrics, /sohoa_outbox_delivered_total\{target="tinh"\} 4/)
  t.match(metrics, /sohoa_outbox_dead_letters_total\{target="tinh"\} 3/)
  t.match(metrics, /sohoa_outbox_pending\{target="tinh"\} 0/)
  t.ok(portal.requests.every(r => r.authorization === `Basic ${Buffer.from('sohoa:bi-mat-123').toString('base64')}`))
  t.notOk(app.logs.some(l => l.includes('bi-mat')), 'the password is never logged')
  await app.stop()
})
