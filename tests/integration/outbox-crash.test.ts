// The outbox in the real appliance, killed with SIGKILL while it delivers: once at a random moment, once right after
// the portal applied a message but before its answer reached the node, once more at random. After the last restart
// every archive change has been applied by the portal exactly once, in log order; a message the portal already had
// is sent again only as the first request after a kill (or after the node logged that no answer came in time),
// always with the same idempotency key.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { ArchiveLifecycle } from '../../appliance/src/archive/index.js'
import { archiveIdOf, RecordLifecycle } from '../../appliance/src/records/index.js'
import { archiveRecord, openArchive } from '../archive/log-fixture.js'
import { createToken, startAppliance, type Appliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { docOf, expectedMessages, seqOf, startPortal, until } from './outbox-portal.js'

t.test('kill -9 during delivery, three times: every archived record applied exactly once, no message lost', async t => {
  const dataDir = await tempDir(t, 'sohoa-outbox-crash-')
  const a = await openArchive(t, dataDir)
  const lifecycle = new ArchiveLifecycle(a.store, new RecordLifecycle(a.store), a.archiveLog)
  const records = []
  for (let i = 0; i < 24; i++) records.push((await archiveRecord(a, { fields: { documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: `${100 + i}/GPXD`, issuedDate: '2018-03-02' } })).record)
  for (const r of records.filter((_, i) => i % 4 === 1)) await lifecycle.changeValidity(r.id, { action: 'revoke', reason: 'Thu hồi' }, 'reviewer1')
  await a.archiveLog.append({ type: 'fixity.checked', data: { files: 72, failures: 0 } })
  const expected = await expectedMessages(a.archiveLog)
  const peerId = a.key.peerId
  t.equal(expected.size, 30)
  await a.store.close() // the appliance takes the data directory over

  const portal = await startPortal()
  t.teardown(async () => await portal.close())
  let holdNext = false
  portal.decide = (req) => {
    if (holdNext && !req.repeat) { holdNext = false; return 'applyThenHold' }
    const r = Math.random()
    return r < 0.12 ? 'fail500' : r < 0.16 ? 'hang' : 'ok'
  }
  portal.answerDelayMs = () => Math.floor(Math.random() * 30)
  const env = {
    SOHOA_OUTBOX_TARGETS: `portal=${portal.url}`, SOHOA_OUTBOX_TIMEOUT_MS: '1000', SOHOA_OUTBOX_BACKOFF_MS: '10',
    SOHOA_OUTBOX_BACKOFF_MAX_MS: '80', SOHOA_OUTBOX_MAX_ATTEMPTS: '1000', SOHOA_OUTBOX_POLL_MS: '100'
  }
  let app: Appliance | undefined
  const runs: Appliance[] = []
  const start = async (): Promise<Appliance> => { app = await startAppliance({ dataDir, env }); runs.push(app); return app }
  t.teardown(async () => await app?.kill9())
  const kill = async (): Promise<void> => {
    await app!.kill9()
    portal.epoch++
    portal.release() // the held answer goes nowhere: its connection died with the process
  }

  // 1: a random moment once deliveries are under way.
  await start()
  await until('first deliveries', () => portal.applied.length >= 3 + Math.floor(Math.random() * 4))
  await sleep(Math.random() * 40)
  await kill()
  // 2: the portal has applied a message, its answer has not reached the node.
  await start()
  holdNext = true
  const held = await portal.held()
  await kill()
  // 3: random again.
  await start()
  const before = portal.applied.length
  await until('more deliveries', () => portal.applied.length >= Math.min(expected.size - 2, before + 3 + Math.floor(Math.random() * 6)))
  await sleep(Math.random() * 40)
  await kill()
  // Last run, to the end.
  const last = await start()
  await until('every message applied', () => portal.applied.length === expected.size, 30_000)
  const admin = await createToken(last.url, 'admin')
  const status = await (await fetch(`${last.url}/api/v1/integration/outbox`, { headers: { authorization: `Bearer ${admin.secret}` } })).json() as any
  const settled = portal.requests.length
  await sleep(400)
  t.equal(portal.requests.length, settled, 'nothing more is sent once the portal has everything')

  t.same([...portal.appliedKeys.keys()].sort(), [...expected.keys()].sort(), 'every message applied, none lost')
  const seqs = portal.applied.map(x => seqOf(x.key))
  t.same(seqs, [...seqs].sort((x, y) => x - y), 'applied in log order (so every revocation after its archiving)')
  for (const r of portal.requests) {
    const e = expected.get(r.key ?? '')
    if (!e) { t.fail(`unexpected key ${r.key}`); continue }
    t.ok(r.key!.startsWith(`${peerId}:`), 'the key is the node\'s peer ID and the log seq')
    t.equal(docOf(r.body).GiayToId, archiveIdOf({ id: e.recordId, unit: '622' }))
    t.equal(r.body.isUpdating, e.type === 'record.archived' ? 'False' : 'True')
  }
  // A message the portal already had comes again only as the first message after a kill (retried, with the same
  // key, if the portal failed that request too), or after the node gave up waiting for an answer (a loaded machine
  // can stall it past the timeout while the answer is on its way): then the node says so in its log.
  const timedOut = (run: number, seq: number): boolean => runs[run].logs.some(l => l.includes('"outbox delivery failed"') && l.includes(`"seq":${seq},`) && l.includes('"error":"timeout"'))
  const repeats = portal.requests.filter(r => r.repeat && !timedOut(r.epoch, seqOf(r.key!)))
  for (const r of repeats) {
    const earlierInRun = portal.requests.filter(x => x.epoch === r.epoch && x.n < r.n)
    t.ok(r.epoch > 0 && earlierInRun.every(x => x.key === r.key && x.behaviour !== 'ok'), `a re-sent message (${r.key}) is the first of its run after a kill`)
    // The same run may have tried it first and met a 500 or a hang; what matters is that a killed run had sent it.
    const sentBefore = portal.requests.filter(x => x.key === r.key && x.epoch < r.epoch).map(x => x.epoch)
    t.ok(sentBefore.length > 0, 'and an earlier, killed run had sent it', { sentBefore, epoch: r.epoch })
  }
  const resentRuns = new Set(repeats.map(r => r.epoch))
  t.ok(resentRuns.size >= 1 && resentRuns.size <= 3, `${resentRuns.size} run(s) re-sent one message, at most one per kill`)
  t.ok(portal.requests.some(r => r.repeat && r.key === held.key && r.epoch === held.epoch + 1), 'the message whose answer was lost went again, with its key')
  t.match(status, { targets: [{ name: 'portal', url: portal.url, pending: 0, delivered: expected.size, deadLetters: 0, nextSeq: 32, headSeq: 31 }] }, 'delivered counts each message once')
  t.ok(portal.requests.some(r => r.behaviour === 'fail500' || r.behaviour === 'hang'), 'the portal failed some requests on the way')
  t.comment(`${portal.requests.length} requests for ${expected.size} messages; re-sent after ${resentRuns.size} of 3 kills`)
  await last.stop()
})
