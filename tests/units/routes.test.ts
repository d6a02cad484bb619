// The catalogue over HTTP with real tokens: who may read and who may change, renames, merges, targets, and the
// catalogue snapshot in and out.
import t from 'tap'
import { openHarness } from './harness.js'

t.test('units, merges and targets over HTTP', async t => {
  const h = await openHarness(t)
  const list = await h.call('read', 'GET', '/api/v1/units')
  t.equal(list.status, 200)
  t.equal(list.json.length, 18)

  const noAuth = await h.app.inject({ method: 'GET', url: '/api/v1/units' })
  t.equal(noAuth.statusCode, 401)
  const forbidden = await h.call('read', 'POST', '/api/v1/units', { code: '30001', name: 'Xã A', level: 'commune', parent: '628' })
  t.equal(forbidden.status, 403, 'a read token cannot add units')
  t.equal((await h.call('ingest', 'POST', '/api/v1/units/622/merge', { into: '64', effective: '2025-07-01' })).status, 403)

  for (const code of ['30001', '30002']) {
    const added = await h.call('admin', 'POST', '/api/v1/units', { code, name: `Xã ${code}`, level: 'commune', parent: '628' })
    t.equal(added.status, 201, added.body)
  }
  const badAgency = await h.call('admin', 'POST', '/api/v1/units', { code: '30009', name: 'X', level: 'commune', agencyCode: 'H21' })
  t.equal(badAgency.status, 400)
  t.equal(badAgency.json.error, 'VALIDATION')

  const renamed = await h.call('admin', 'PATCH', '/api/v1/units/30001', { name: 'Xã Ia Dêr', effective: '2024-01-01' })
  t.equal(renamed.status, 200, renamed.body)
  t.same(renamed.json.formerNames, [{ name: 'Xã 30001', until: '2024-01-01' }])
  t.equal((await h.call('admin', 'PATCH', '/api/v1/units/30001', {})).status, 400, 'an empty patch is refused')

  const merged = await h.call('admin', 'POST', '/api/v1/units/30001/merge', { into: '30002', effective: '2025-07-01' })
  t.equal(merged.status, 200, merged.body)
  t.same(merged.json.mergedInto, { code: '30002', effective: '2025-07-01' })
  const twice = await h.call('admin', 'POST', '/api/v1/units/30001/merge', { into: '622', effective: '2025-07-01' })
  t.equal(twice.status, 409)
  t.match(twice.json, { error: 'UNIT_MERGED', message: /hợp nhất/ })
  const covering = await h.call('read', 'GET', '/api/v1/units/30002/covering')
  t.same(covering.json, { code: '30002', covering: ['30002', '30001'] })
  const view = await h.call('read', 'GET', '/api/v1/units/30001')
  t.match(view.json, { code: '30001', names: ['Xã 30001', 'Xã Ia Dêr'], successors: ['30002'], predecessors: [] })
  t.equal((await h.call('read', 'GET', '/api/v1/units/99999')).status, 400, 'an unknown unit is UNKNOWN_UNIT (400)')

  const target = await h.call('admin', 'PUT', '/api/v1/targets/622/2024', { pages: 12345, source: 'QĐ 123' })
  t.equal(target.status, 200, target.body)
  t.match(target.json, { unit: '622', year: 2024, pages: 12345, estimated: false, source: 'QĐ 123' })
  t.equal((await h.call('read', 'PUT', '/api/v1/targets/622/2024', { pages: 1 })).status, 403)
  t.equal((await h.call('admin', 'PUT', '/api/v1/targets/622/2024', { pages: -1 })).status, 400)
  const targets = await h.call('read', 'GET', '/api/v1/targets?year=2024')
  t.same(targets.json.map((x: any) => x.unit), ['622'])
  t.equal((await h.call('read', 'GET', '/api/v1/targets?unit=622')).json.length, 2, '2023 (plan) and 2024 (set)')
})

t.test('the catalogue snapshot goes out and comes in over HTTP', async t => {
  const province = await openHarness(t)
  const district = await openHarness(t)
  await province.call('admin', 'POST', '/api/v1/units', { code: '30001', name: 'Xã A', level: 'commune', parent: '628' })
  const snapshot = await province.call('read', 'GET', '/api/v1/catalogue')
  t.equal(snapshot.status, 200)
  t.equal(snapshot.json.units.length, 19)
  t.equal(snapshot.json.targets.length, 18)
  t.equal((await district.call('read', 'PUT', '/api/v1/catalogue', snapshot.json)).status, 403)
  const applied = await district.call('admin', 'PUT', '/api/v1/catalogue', snapshot.json)
  t.match(applied.json, { applied: true, units: 19, targets: 18 })
  t.match((await district.call('admin', 'PUT', '/api/v1/catalogue', snapshot.json)).json, { applied: false })
  t.equal((await district.call('read', 'GET', '/api/v1/units')).json.length, 19)
  const bad = await district.call('admin', 'PUT', '/api/v1/catalogue', { format: 'sohoa-catalogue/1', version: 'x', units: [], targets: [] })
  t.equal(bad.status, 400)
})
