// The outbox in-process: a real store and signed log with archived records, validity changes and a deletion, and
// two real HTTP portals. One fails each message's first attempt in a different way (500, timeout, error_code, and
// "applied but the answer never came"); the other refuses one record until it is fixed. Every message arrives
// exactly once, per record in log order, dead letters come after the last attempt, and an admin's retry delivers them
// with their original idempotency key.
import { Writable } from 'node:stream'
import { Ajv } from 'ajv'
import { Registry } from 'prom-client'
import t from 'tap'
import { ArchiveLifecycle } from '../../appliance/src/archive/index.js'
import { describeConfig, loadConfig } from '../../appliance/src/config/index.js'
import { FileLinkSigner } from '../../appliance/src/integration/signed-url.js'
import { Outbox, resolveTargets, type OutboxOptions } from '../../appliance/src/integration/outbox/index.js'
import { createLogger } from '../../appliance/src/log/index.js'
import { archiveIdOf, RecordLifecycle } from '../../appliance/src/records/index.js'
import { archiveRecord, openArchive, type Archived } from '../archive/log-fixture.js'
import { docOf, expectedMessages, seqOf, startPortal, until } from './outbox-portal.js'

const OPTIONS: OutboxOptions = { timeoutMs: 400, backoffMs: 5, backoffMaxMs: 40, maxAttempts: 4, pollMs: 40 }
const SUBJECT = { subjectName: 'Nguyễn Văn An', subjectId: '064095000123' }
const PARTIES = [{ role: 'holder', name: 'Nguyễn Văn An', idNumber: '064095000123', birthDate: '1995-03-04' }, { role: 'holder', name: 'Lê Thị Hoa', idNumber: '064196000456' }]
/** `yyyyMMddHHmmss` in Vietnam's time (UTC+7), computed here independently of the code under test. */
const vn = (ms: number): string => new Date(ms + 7 * 3600_000).toISOString().slice(0, 19).replace(/\D/g, '')

function capture (): { lines: string[], stream: Writable } {
  const lines: string[] = []
  return { lines, stream: new Writable({ write (chunk, _enc, done) { lines.push(chunk.toString()); done() } }) }
}

/** A message without what may change between attempts (the link's signature and expiry). */
const stable = (body: any): string => JSON.stringify(body, (k, v) => k === 'DuongDanTepTinKetQua' || k === 'HanDuongDan' ? undefined : v)

t.test('targets from the environment: names, credentials out of the URL, masked in the shown config', async t => {
  const config = loadConfig({ env: { SOHOA_OUTBOX_TARGETS: 'motcua=https://sohoa:m%40t-khau@motcua.gialai.gov.vn/dongbo?x=1, https://dvcqg.gov.vn:8443/api/sync', SOHOA_OUTBOX_MAX_ATTEMPTS: '4' } })
  t.equal(config.outboxMaxAttempts, 4)
  const targets = resolveTargets(config.outboxTargets)
  t.same(targets.map(x => x.name), ['motcua', 'dvcqg.gov.vn-8443'], 'a name, or the host')
  t.equal(targets[0].url, 'https://motcua.gialai.gov.vn/dongbo?x=1', 'no credentials in the URL')
  t.equal(targets[0].authorization, `Basic ${Buffer.from('sohoa:m@t-khau').toString('base64')}`, 'they became a Basic header')
  t.notOk(targets[1].authorization)
  t.notMatch(JSON.stringify(describeConfig(config)), /m%40t-khau|m@t-khau/, 'the shown config masks the password')
  t.throws(() => resolveTargets([{ url: 'http://a.vn/x' }, { url: 'http://a.vn/y' }]), { code: 'CONFIG_INVALID' }, 'two targets with one name are refused')
  t.throws(() => loadConfig({ env: { SOHOA_OUTBOX_TARGETS: 'ftp://x.vn/' } }), { code: 'CONFIG_INVALID' })
})

t.test('every message exactly once, in log order, through 500s, timeouts, error codes and a restart; dead letters and their retry', async t => {
  const a = await openArchive(t)
  const lifecycle = new ArchiveLifecycle(a.store, new RecordLifecycle(a.store), a.archiveLog)
  const archived: Archived[] = []
  for (let i = 0; i < 10; i++) {
    const validUntil: Record<string, string> = i === 2 ? { validUntil: '2031-05-14' } : {}
    archived.push(await archiveRecord(a, { fields: { documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: `${1470 + i}/GPXD-UBND`, issuedDate: '2019-05-14', issuer: 'UBND HUYỆN CHƯ SÊ', ...SUBJECT, ...validUntil }, ...(i === 0 ? { parties: PARTIES } : {}) }))
  }
  const poisoned = archived[3].record
  await lifecycle.changeValidity(archived[1].record.id, { action: 'revoke', reason: 'Thu hồi theo quyết định 12/QĐ' }, 'reviewer1')
  await lifecycle.changeValidity(poisoned.id, { action: 'replace', reason: 'Cấp lại', replacedBy: archived[4].record.id }, 'reviewer1')
  await a.archiveLog.append({ type: 'fixity.checked', data: { files: 30, failures: 0 } }) // not for the portals: passed over
  // Retention over (a 5-year result issued in 2019), so it may be deleted: a tombstone entry.
  await a.store.tx().putRecord({ ...archived[6].record, retention: '5y' }).commit()
  await lifecycle.delete(archived[6].record.id, 'Hết thời hạn bảo quản', 'admin')

  const flaky = await startPortal()
  const strict = await startPortal()
  t.teardown(async () => { await flaky.close(); await strict.close() })
  // The flaky portal fails most messages' first attempt, in one of four ways; the next attempt goes through.
  const ways = ['fail500', 'hang', 'errorCode', 'applyThenHang', 'ok', 'fail500', 'ok', 'errorCode', 'ok', 'ok'] as const
  flaky.decide = (req) => flaky.requests.some(r => r.key === req.key) ? 'ok' : ways[seqOf(req.key!) % ways.length]
  let refuse = new Set([archiveIdOf(poisoned)])
  strict.decide = (req) => refuse.has(docOf(req.body).GiayToId) ? 'fail500' : 'ok'

  const signer = FileLinkSigner.fromNodeKey(a.key, 'https://sohoa.pleiku.example', 7 * 24 * 3600)
  const logs = capture()
  const registry = new Registry()
  const flakyUrl = flaky.url.replace('http://', 'http://sohoa:m%40t-khau@')
  const make = (): Outbox => new Outbox({
    store: a.store, archiveLog: a.archiveLog, link: (id, name) => signer.link(id, name), targets: resolveTargets([{ name: 'flaky', url: flakyUrl }, { name: 'strict', url: strict.url }]),
    options: OPTIONS, logger: createLogger('debug', logs.stream), registry
  })
  let outbox = make()
  await outbox.start()
  t.teardown(async () => await outbox.stop())

  // Half-way through, the node stops and a new outbox on the same store carries on from the saved cursors.
  await until('a few deliveries', () => flaky.applied.length >= 4)
  await outbox.stop()
  registry.clear()
  outbox = make()
  await outbox.start()
  // New archive changes while it runs: a nudge, not the poll, picks them up.
  archived.push(await archiveRecord(a, { fields: { documentType: 'GIẤY CHỨNG NHẬN', documentNumber: '77/GCN', issuedDate: '2020-01-02', ...SUBJECT } }))
  await lifecycle.changeValidity(archived[10].record.id, { action: 'revoke', reason: 'Sai thông tin' }, 'reviewer1')
  outbox.nudge()

  const expected = await expectedMessages(a.archiveLog)
  const poisonedKeys = [...expected].filter(([, e]) => e.recordId === poisoned.id).map(([k]) => k)
  t.equal(poisonedKeys.length, 2, 'the refused record was archived, then replaced')
  // The fake portal records a message before it answers; the outbox marks it delivered after the answer.
  await until('the flaky portal has everything', async () => flaky.applied.length === expected.size && (await outbox.status())[0].pending === 0)
  await until('the strict portal has everything else', async () => strict.applied.length === expected.size - 2 && (await outbox.status())[1].pending === 0)

  // Exactly once, in log order, with stable keys and content.
  for (const portal of [flaky, strict]) {
    const seqs = portal.applied.map(x => seqOf(x.key))
    t.same(seqs, [...seqs].sort((x, y) => x - y), 'applied in log order')
    t.equal(new Set(portal.applied.map(x => x.key)).size, portal.applied.length, 'no key applied twice')
    for (const r of portal.requests) {
      const e = expected.get(r.key!)
      t.ok(e, `the key ${r.key} is <node>:<seq> of a delivered entry`)
      t.equal(docOf(r.body).GiayToId, archiveIdOf({ id: e!.recordId, unit: '622' }), 'and the message is about that entry\'s record')
      t.equal(stable(r.body), stable(portal.requests.find(x => x.key === r.key)!.body), 'every attempt sends the same content')
    }
  }
  t.same([...flaky.appliedKeys.keys()].sort(), [...expected.keys()].sort(), 'the flaky portal applied every message once')
  // A message the portal already had is sent again only when its answer did not reach the outbox in time: the
  // portal's lost answers, or (on a loaded machine) an answer later than the timeout; the outbox logs each.
  const repeats = flaky.requests.filter(r => r.repeat)
  t.ok(repeats.some(r => flaky.requests.filter(x => x.key === r.key && x.n < r.n).at(-1)!.behaviour === 'applyThenHang'), 'answers that never came made the outbox send again')
  const timedOut = (seq: number): boolean => logs.lines.some(l => l.includes('"target":"flaky"') && l.includes(`"seq":${seq},`) && l.includes('"error":"timeout"'))
  for (const r of repeats) t.ok(timedOut(seqOf(r.key!)), `a repeat (${r.key}) follows only an attempt that got no answer in time`)
  t.ok(flaky.requests.every(r => r.authorization === `Basic ${Buffer.from('sohoa:m@t-khau').toString('base64')}`), 'credentials from the URL go as Basic auth')
  for (const w of ways.slice(0, 4)) t.ok(flaky.requests.some(r => r.behaviour === w), `the portal did ${w}`)

  // What a message says.
  const first = flaky.applied.find(x => x.body.isUpdating === 'False' && docOf(x.body).GiayToId === archiveIdOf(archived[0].record))!.body
  const entry = (await a.archiveLog.get(seqOf(flaky.applied.find(x => x.body === first)!.key)))!
  t.match(first, { service: 'DongBoHoSoMC', isUpdating: 'False', data: [{ MaHoSo: 'H21.12-190514-0001', MaTTHC: '1.003560', MaCoQuan: 'H21.12', MaDonVi: '622', NgayCapNhat: vn(Date.parse(entry.body.at)) }] })
  const doc = docOf(first)
  t.match(doc, {
    TenGiayTo: 'GIẤY PHÉP XÂY DỰNG', MaThanhPhanHoSo: 'H21.12-190514-0001.01', MaGiayToKetQua: 'KQ.G15.000031', SoKyHieu: '1470/GPXD-UBND',
    NgayCap: '20190514000000', CoQuanBanHanh: 'UBND HUYỆN CHƯ SÊ', TrangThaiHieuLuc: 'valid', TenTepTin: 'H21.12-190514-0001.01.pdf',
    Sha256TepTin: archived[0].record.pdf!.sha256, SoDinhDanhChuSoHuu: SUBJECT.subjectId
  })
  t.same(doc.DanhSachChuThe, [
    { VaiTro: 'holder', HoTen: 'Nguyễn Văn An', SoDinhDanh: '064095000123', NgaySinh: '19950304000000' },
    { VaiTro: 'holder', HoTen: 'Lê Thị Hoa', SoDinhDanh: '064196000456', NgaySinh: '' }
  ], 'every party the result names')
  t.match(first.data[0].NgayCapNhat, /^\d{14}$/)
  const link = new URL(doc.DuongDanTepTinKetQua)
  t.equal(link.pathname, `/api/v1/integration/files/${archived[0].record.id}/H21.12-190514-0001.01.pdf`)
  t.equal(signer.check(archived[0].record.id, Object.fromEntries(link.searchParams)), 'pdf', 'the link is signed by this node')
  const expiresIn = Number(link.searchParams.get('exp')) * 1000 - Date.now()
  t.ok(expiresIn > 6.9 * 86400_000 && expiresIn <= 7 * 86400_000, 'and lives for the outbox\'s 7 days')
  t.equal(doc.HanDuongDan, vn(Number(link.searchParams.get('exp')) * 1000))

  t.equal(docOf(flaky.applied.find(x => docOf(x.body).GiayToId === archiveIdOf(archived[2].record))!.body).HieuLucDen, '20310514235959', 'valid until the end of its last day')
  t.equal(doc.HieuLucDen, '', 'no end date, none given')
  const revoked = flaky.applied.filter(x => docOf(x.body).GiayToId === archiveIdOf(archived[1].record))
  t.same(revoked.map(x => [x.body.isUpdating, docOf(x.body).TrangThaiHieuLuc]), [['False', 'valid'], ['True', 'revoked']], 'a revocation arrives after its archiving')
  t.match(docOf(revoked[1].body), { LyDoThayDoi: 'Thu hồi theo quyết định 12/QĐ', DuongDanTepTinKetQua: '', HanDuongDan: '' }, 'with its reason and no link')
  const replaced = flaky.applied.filter(x => docOf(x.body).GiayToId === archiveIdOf(poisoned)).map(x => docOf(x.body))
  t.match(replaced[1], { TrangThaiHieuLuc: 'replaced', MaGiayToThayThe: archiveIdOf(archived[4].record) })
  const deleted = flaky.applied.filter(x => docOf(x.body).GiayToId === archiveIdOf(archived[6].record)).map(x => [x.body.isUpdating, docOf(x.body).TrangThaiHieuLuc])
  t.same(deleted, [['False', 'valid'], ['True', 'deleted']], 'a deletion is an update too')
  t.notOk(flaky.requests.some(r => docOf(r.body).GiayToId === '' || r.body.service !== 'DongBoHoSoMC'))

  // The strict portal: the refused record's archiving became a dead letter after its last attempt; its replacement
  // message was held beside it, never sent.
  const strictAsked = strict.requests.filter(r => poisonedKeys.includes(r.key!))
  t.same(strictAsked.map(r => r.key), Array(OPTIONS.maxAttempts).fill(poisonedKeys[0]), 'every attempt at the archiving, none at the later change')
  let dead = await outbox.deadLetters({ target: 'strict' })
  t.match(dead, [
    { id: `strict~${seqOf(poisonedKeys[0])}`, state: 'dead', attempts: OPTIONS.maxAttempts, lastError: 'HTTP 500', idempotencyKey: poisonedKeys[0], recordId: poisoned.id, type: 'record.archived', message: { service: 'DongBoHoSoMC' } },
    { id: `strict~${seqOf(poisonedKeys[1])}`, state: 'dead', attempts: 0, heldBehind: seqOf(poisonedKeys[0]), type: 'record.validity' }
  ])
  const status = await outbox.status()
  t.match(status, [
    { name: 'flaky', url: flaky.url, pending: 0, deadLetters: 0, delivered: expected.size },
    { name: 'strict', url: strict.url, pending: 0, deadLetters: 2, delivered: expected.size - 2 }
  ])
  t.notOk(JSON.stringify(status).includes('t-khau'), 'the status shows no credentials')

  // An admin retries the held one: both go back, in order, with their keys; the portal was fixed meanwhile.
  refuse = new Set()
  const { queued } = await outbox.retry(dead[1].id, 'admin')
  t.same(queued, dead.map(d => d.id), 'the record\'s earlier dead letter goes back with it')
  await until('the retried ones arrive', () => strict.applied.length === expected.size)
  await until('the retried ones marked delivered', async () => (await outbox.deadLetters({ target: 'strict', state: 'all' })).every(d => d.state === 'delivered'))
  t.same(strict.applied.slice(-2).map(x => x.key), poisonedKeys, 'archiving, then the change, with the original keys')
  dead = await outbox.deadLetters({ target: 'strict', state: 'all' })
  t.match(dead, [{ state: 'delivered', retries: 1, retriedBy: 'admin' }, { state: 'delivered' }])
  await t.rejects(outbox.retry(dead[0].id, 'admin'), { code: 'OUTBOX_DEAD_LETTER_STATE' }, 'a delivered one cannot go back')

  // A dead letter given up: kept as discarded, never sent again.
  const lost = await archiveRecord(a, { fields: { documentType: 'GIẤY PHÉP', documentNumber: '9/GP', issuedDate: '2021-03-04' } })
  refuse = new Set([archiveIdOf(lost.record)])
  outbox.nudge()
  await until('the next dead letter', async () => (await outbox.deadLetters({ target: 'strict' })).length === 1)
  const [lostDead] = await outbox.deadLetters({ target: 'strict' })
  const discarded = await outbox.discard(lostDead.id, 'Cổng đã nhận qua kênh khác', 'admin')
  t.match(discarded, { state: 'discarded', discarded: { by: 'admin', reason: 'Cổng đã nhận qua kênh khác' } })
  await t.rejects(outbox.retry(lostDead.id, 'admin'), { code: 'OUTBOX_DEAD_LETTER_STATE' })
  await t.rejects(outbox.discard('strict~99999', 'x y z', 'admin'), { code: 'OUTBOX_DEAD_LETTER_NOT_FOUND' })
  t.same(await outbox.deadLetters({ target: 'strict' }), [], 'nothing open')
  t.equal(strict.applied.filter(x => docOf(x.body).GiayToId === archiveIdOf(lost.record)).length, 0)

  const metrics = await registry.metrics()
  t.match(metrics, /sohoa_outbox_dead_letters_total\{target="strict"\} [1-9]/)
  t.match(metrics, /sohoa_outbox_failed_attempts_total\{target="flaky"\} [1-9]/)
  t.match(metrics, /sohoa_outbox_pending\{target="flaky"\} 0/)
  const logText = logs.lines.join('')
  t.match(logText, /outbox message set aside as a dead letter/)
  for (const secret of ['m@t-khau', 'm%40t-khau', SUBJECT.subjectId, SUBJECT.subjectName, PARTIES[1].name, PARTIES[1].idNumber, 'Thu hồi theo']) t.notOk(logText.includes(secret), `no "${secret}" in the log`)
})

t.test('the documented examples of the outbox routes fit their schemas', async t => {
  const { outboxStatusSchema, deadLettersSchema, retrySchema, discardSchema } = await import('../../appliance/src/api/routes/outbox.js')
  const ajv = new Ajv({ strict: false, allErrors: true })
  for (const schema of [outboxStatusSchema, deadLettersSchema, retrySchema, discardSchema]) {
    const validate = ajv.compile(schema)
    for (const example of schema.examples) t.ok(validate(example), JSON.stringify(validate.errors ?? []))
  }
})
