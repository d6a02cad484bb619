// The audit trail of lookups on a real LevelDB: newest first, by time, by personal ID (any spelling of its digits),
// by principal, paged with a cursor, token names resolved, and every entry still there after the store reopens.
import t from 'tap'
import { LookupAudit, type AuditInput } from '../../appliance/src/integration/index.js'
import type { Principal } from '../../appliance/src/auth/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

const portal: Principal = { kind: 'token', id: 't_portal', roles: [], scope: 'integration', permissions: new Set(['integration']) }
const desk: Principal = { kind: 'token', id: 't_desk', roles: [], scope: 'integration', permissions: new Set(['integration']) }
const officer: Principal = { kind: 'user', id: 'lan', roles: ['admin'], permissions: new Set(['admin']) }
const tokens = { listTokens: async () => [{ id: 't_portal', name: 'Cổng DVC tỉnh' }, { id: 't_desk', name: 'Một cửa huyện' }] }

const input = (principal: Principal, subjectId: string | null, extra: Partial<AuditInput> = {}): AuditInput => ({
  principal, endpoint: 'results', subjectId, purpose: 'Giải quyết hồ sơ', query: { documentNumber: undefined, resultTypeCode: 'KQ.G15.000031' },
  results: 1, outcome: 'ok', remoteAddress: '10.0.0.7', ...extra
})

t.test('entries are durable, ordered and found by ID, principal and time', async t => {
  const dir = await tempDir(t)
  let store = await Store.open(dir)
  t.teardown(async () => await store.close())
  let audit = new LookupAudit({ store: store.audit, tokens })

  // A few ms apart, so the time-ordered ids follow the order of writing.
  const written = []
  const plan: Array<[Principal, string | null, Partial<AuditInput>?]> = [
    [portal, '064190001234'],
    [desk, '064 190 001 234', { outcome: 'refused', error: 'PURPOSE_REQUIRED', purpose: null, results: 0 }],
    [portal, '052301000999'],
    [officer, '064190001234', { endpoint: 'citizen-lookup' }],
    [desk, null, { query: { documentNumber: '1470/GPXD-UBND' } }]
  ]
  for (const [p, sid, extra] of plan) {
    written.push(await audit.record(input(p, sid, extra)))
    await new Promise(resolve => setTimeout(resolve, 3))
  }
  t.equal(written[0].system, 'Cổng DVC tỉnh', 'a token is named by its name')
  t.same(written[0].principal, { kind: 'token', id: 't_portal', name: 'Cổng DVC tỉnh' })
  t.equal(written[3].system, 'lan', 'a user by the user name')
  t.same(written[0].query, { resultTypeCode: 'KQ.G15.000031' }, 'absent criteria are not stored')

  // Reopen: what `record` resolved is on disk.
  await store.close()
  store = await Store.open(dir)
  audit = new LookupAudit({ store: store.audit, tokens })

  const all = await audit.list()
  t.same(all.entries.map(e => e.id), written.map(e => e.id).reverse(), 'every entry, newest first, after a reopen')
  t.notOk(all.next)

  const byId = await audit.list({ subjectId: '064190001234' })
  t.same(byId.entries.map(e => e.id), [written[3].id, written[1].id, written[0].id], 'who looked up this ID: every spelling of its digits')
  t.match(byId.entries[1], { outcome: 'refused', error: 'PURPOSE_REQUIRED', purpose: null, principal: { id: 't_desk' }, remoteAddress: '10.0.0.7' })
  t.same((await audit.list({ subjectId: '064190001234', principal: 't_desk' })).entries.map(e => e.id), [written[1].id], 'ID and principal together')
  t.same((await audit.list({ principal: 't_portal' })).entries.map(e => e.id), [written[2].id, written[0].id], 'by principal')
  t.same((await audit.list({ subjectId: '000000000000' })).entries, [], 'an ID nobody looked up')
  t.same((await audit.list({ subjectId: 'no digits' })).entries, [], 'no digits: nothing (never everything)')

  // Time bounds (all five were written just now).
  const now = Date.now()
  t.equal((await audit.list({ from: new Date(now - 60_000).toISOString() })).entries.length, 5)
  t.equal((await audit.list({ to: new Date(now - 60_000).toISOString() })).entries.length, 0, 'nothing before a minute ago')
  t.equal((await audit.list({ from: '2000-01-01', to: '2000-12-31' })).entries.length, 0)
  t.same((await audit.list({ from: written[2].at })).entries.map(e => e.id), [written[4].id, written[3].id, written[2].id], 'from an entry\'s own time: it and what came after')
  t.same((await audit.list({ to: written[1].at })).entries.map(e => e.id), [written[1].id, written[0].id], 'to an entry\'s own time: it and what came before')
  const today = new Date(now + 7 * 3600_000).toISOString().slice(0, 10)
  t.equal((await audit.list({ from: today, to: today })).entries.length, 5, 'a bare day is that whole day in Vietnam')
  t.equal((await audit.list({ subjectId: '064190001234', from: today })).entries.length, 3, 'time and ID together')

  // Paging: two at a time, the cursor continues where the page ended, nothing twice, nothing lost.
  const seen: string[] = []
  let cursor: string | undefined
  for (let page = 0; page < 5; page++) {
    const p = await audit.list({ limit: 2, ...(cursor ? { cursor } : {}) })
    seen.push(...p.entries.map(e => e.id))
    cursor = p.next
    if (!cursor) break
  }
  t.same(seen, written.map(e => e.id).reverse(), 'pages of two add up to the whole trail')

  await t.rejects(audit.list({ limit: 0 }), { code: 'VALIDATION' })
  await t.rejects(audit.list({ limit: 501 }), { code: 'VALIDATION' })
  await t.rejects(audit.list({ cursor: 'not-a-cursor' }), { code: 'VALIDATION' })
  await t.rejects(audit.list({ from: 'yesterday' }), { code: 'VALIDATION', details: { field: 'from' } })
})

t.test('a trail that cannot be written refuses to pretend', async t => {
  const store = await Store.open(await tempDir(t))
  const audit = new LookupAudit({ store: store.audit, tokens })
  await store.close()
  await t.rejects(audit.record(input(portal, '064190001234')), { code: 'STORAGE_FAILED' }, 'a closed store: the lookup gets an error, not an answer')
})
