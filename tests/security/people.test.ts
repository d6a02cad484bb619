// Issue 15, items 8, 10, 12 against the real appliance: a search by a person's ID or name needs the `person`
// permission and a purpose and is in the lookup audit trail before it answers; an Idempotency-Key is its sender's
// own and cannot be reused for other bytes; parallel password guesses are counted before they are hashed.
import sharp from 'sharp'
import t from 'tap'
import { passwordChecksPeak, verifyPassword, hashPassword, PASSWORD_CHECKS_AT_ONCE } from '../../appliance/src/auth/index.js'
import { startAppliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { PERSON, permit, seedArchive, sessionOf, tokenOf } from '../integration/lookup-fixture.js'

const jpeg = async (shade: number): Promise<Buffer> =>
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: shade, g: 200, b: 120 } } }).jpeg().toBuffer()

t.test('people, keys and guesses', async t => {
  const dir = await tempDir(t)
  await seedArchive(t, dir, {
    an: permit({ documentNumber: '15/GPXD-UBND', subjectId: PERSON, subjectName: 'Nguyễn Văn An' }),
    other: permit({ documentNumber: '16/GPXD-UBND', subjectId: '052301000999', subjectName: 'Trần Thị Bích' })
  })
  const app = await startAppliance({ dataDir: dir })
  t.teardown(() => app.stop())
  const admin = await tokenOf(app.url, 'admin')
  const read = await tokenOf(app.url, 'read')
  const call = async (path: string, auth: { token?: string, cookie?: string }): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${app.url}${path}`, { headers: auth.token ? { authorization: `Bearer ${auth.token}` } : { cookie: auth.cookie! } })
    return { status: res.status, body: await res.json() }
  }
  const auditorCookie = await sessionOf(app.url, admin, 'kiemtra', 'auditor')
  /** The lookup trail, oldest first, as an auditor reads it. */
  const trail = async (): Promise<any[]> => (await call('/api/v1/integration/audit?limit=500', { cookie: auditorCookie })).body.entries.reverse()
  const operator = await sessionOf(app.url, admin, 'vanhanh', 'operator')
  const reviewer = await sessionOf(app.url, admin, 'kiemduyet', 'reviewer')
  const purpose = encodeURIComponent('Giải quyết hồ sơ 000.00.23.H21-241105-0007')

  await t.test('item 8: search by personal ID or name is audited, with a purpose, by allowed roles only', async t => {
    const before = (await trail()).length
    let r = await call(`/api/v1/search?subjectId=${PERSON}`, { token: read })
    t.equal(r.status, 403, 'a read token cannot search by personal ID')
    t.match(r.body, { error: 'FORBIDDEN', details: { needs: 'person' } })
    t.equal((await call(`/api/v1/search?subjectId=${PERSON}&purpose=${purpose}`, { cookie: operator })).status, 403, 'nor an operator, even with a purpose')
    r = await call(`/api/v1/search?subjectId=${PERSON}`, { token: admin })
    t.equal(r.status, 400)
    t.match(r.body, { error: 'PURPOSE_REQUIRED' })
    r = await call(`/api/v1/search?q=${encodeURIComponent('064 190 001 234')}`, { token: admin })
    t.match(r.body, { error: 'PURPOSE_REQUIRED' }, 'an ID typed in the words is a search by ID')
    r = await call(`/api/v1/search?q=${encodeURIComponent('nguyen van an')}`, { token: admin })
    t.equal(r.status, 400, 'words that match a subject name need a purpose')
    t.match(r.body, { error: 'PURPOSE_REQUIRED' })
    t.notOk(JSON.stringify(r.body).includes('GPXD'), 'and answer nothing of the records')
    r = await call(`/api/v1/search?q=${encodeURIComponent('nguyen van an')}`, { cookie: operator })
    t.equal(r.status, 403, 'an operator cannot find people by name')

    r = await call(`/api/v1/search?subjectId=${PERSON}&purpose=${purpose}`, { cookie: reviewer })
    t.equal(r.status, 200, 'a reviewer with a purpose')
    t.equal(r.body.total, 1)
    r = await call(`/api/v1/search?q=${encodeURIComponent('nguyen van an')}&purpose=${purpose}`, { token: admin })
    t.equal(r.status, 200)
    t.equal(r.body.total, 1)
    const plain = await call(`/api/v1/search?q=${encodeURIComponent('giấy phép xây dựng')}`, { token: read })
    t.equal(plain.status, 200, 'a search that names nobody is open to read')
    t.equal(plain.body.total, 2)

    const entries = (await trail()).slice(before)
    t.ok(entries.every(e => e.endpoint === 'search'), 'all of them person searches')
    const who = (e: any): string => e.principal.kind === 'token' ? e.system : e.principal.id
    t.same(entries.map(e => [who(e), e.outcome, e.error ?? null, e.results]), [
      ['test-read', 'refused', 'FORBIDDEN', 0],
      ['vanhanh', 'refused', 'FORBIDDEN', 0],
      ['test-admin', 'refused', 'PURPOSE_REQUIRED', 0],
      ['test-admin', 'refused', 'PURPOSE_REQUIRED', 0],
      ['test-admin', 'refused', 'PURPOSE_REQUIRED', 0],
      ['vanhanh', 'refused', 'FORBIDDEN', 0],
      ['kiemduyet', 'ok', null, 1],
      ['test-admin', 'ok', null, 1]
    ], 'every refusal and answer of a person search, in order, and nothing for the search that named nobody')
    const byId = (await call(`/api/v1/integration/audit?subjectId=${PERSON}`, { cookie: auditorCookie })).body.entries.filter((e: any) => e.endpoint === 'search')
    t.equal(byId.length, 5, 'the trail finds the searches of that ID (filter or words)')
    t.match(byId[0], { principal: { id: 'kiemduyet' }, purpose: 'Giải quyết hồ sơ 000.00.23.H21-241105-0007', outcome: 'ok' })
    t.notOk(app.logs.some(l => l.includes(PERSON) || l.includes('001 234')), 'the ID never reaches the process log')
  })

  await t.test('item 10: idempotency keys are scoped by principal and bound to their bytes', async t => {
    const a = await tokenOf(app.url, 'ingest')
    const b = await tokenOf(app.url, 'ingest')
    const post = async (token: string, key: string, bytes: Buffer, unit = '622'): Promise<{ status: number, body: any }> => {
      const res = await fetch(`${app.url}/api/v1/pages?unit=${unit}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg', 'idempotency-key': key }, body: new Uint8Array(bytes) })
      return { status: res.status, body: await res.json() }
    }
    const [x, y, z, w] = await Promise.all([jpeg(10), jpeg(60), jpeg(110), jpeg(160)])
    const first = await post(a, 'may-photo-0001', x)
    t.equal(first.status, 201)
    const other = await post(b, 'may-photo-0001', y)
    t.equal(other.status, 201, 'another client with the same key is not answered with the first client\'s upload')
    t.not(other.body.recordId, first.body.recordId)
    t.not(other.body.pages[0].sha256, first.body.pages[0].sha256, 'its own bytes were stored')
    const again = await post(a, 'may-photo-0001', x)
    t.equal(again.status, 200, 'a real retry gets the first answer')
    t.same({ ...again.body, duplicate: undefined }, { ...first.body, duplicate: undefined })
    const reused = await post(a, 'may-photo-0001', y)
    t.equal(reused.status, 409, 'the same key with other bytes is refused')
    t.match(reused.body, { error: 'IDEMPOTENCY_KEY_REUSED', messageEn: /another file/ })
    t.equal((await post(a, 'may-photo-0001', x, '623')).status, 409, 'or for another unit')
    const race = await Promise.all([post(a, 'may-photo-0002', z), post(a, 'may-photo-0002', w)])
    t.same(race.map(r => r.status).sort(), [201, 409], 'two uploads racing on one key: one taken, one refused')
    const records = (await call('/api/v1/records?limit=100', { token: admin })).body.records.map((r: any) => r.id)
    t.ok(records.includes(other.body.recordId), 'the second client\'s record exists')
  })

  await t.test('item 12: a burst of parallel guesses is counted before the hashing', async t => {
    await sessionOf(app.url, admin, 'lan', 'operator')
    const guess = async (i: number): Promise<number> => (await fetch(`${app.url}/api/v1/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'lan', password: `doan-${i}` })
    })).status
    const statuses = await Promise.all(Array.from({ length: 40 }, async (_, i) => await guess(i)))
    const tried = statuses.filter(s => s === 401).length
    t.ok(tried <= 10, `at most 10 of 40 parallel guesses reached the password check (${tried})`)
    t.equal(statuses.filter(s => s === 429).length, 40 - tried, 'the rest were refused with 429')
    const locked = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'lan', password: 'mat-khau-lan' }) })
    t.equal(locked.status, 429, 'then the right password waits too')
    t.ok(Number(locked.headers.get('retry-after')) > 0)
  })
})

t.test('item 12: password checks run a few at a time, and a flood beyond the queue is refused at once', async t => {
  const stored = await hashPassword('mat-khau-dung')
  const outcomes = await Promise.allSettled(Array.from({ length: 40 }, async () => await verifyPassword('sai', stored)))
  const refused = outcomes.filter(o => o.status === 'rejected' && (o.reason as { code?: string }).code === 'RATE_LIMITED').length
  t.ok(refused >= 40 - PASSWORD_CHECKS_AT_ONCE - 16, `past the queue, refused (${refused})`)
  t.ok(outcomes.every(o => o.status === 'fulfilled' ? o.value === false : true), 'the others answered, wrongly guessed')
  t.ok(passwordChecksPeak() <= PASSWORD_CHECKS_AT_ONCE, `at most ${PASSWORD_CHECKS_AT_ONCE} hashes at once (${passwordChecksPeak()})`)
  t.equal(await verifyPassword('mat-khau-dung', stored), true, 'after the flood, a check works')
})
