// The unit catalogue on a real LevelDB: shipped seed, plan targets, renames that keep old names, merges and the
// units a successor covers, and the catalogue snapshot replication sends down (the province's own sequence decides;
// local changes at a district are overrides, never lost).
import t from 'tap'
import { readShippedTargets, Units } from '../../appliance/src/units/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'
import { openHarness } from './harness.js'

t.test('seed: the 2020 districts and the plan\'s targets, which add up to the plan', async t => {
  const h = await openHarness(t)
  const units = await h.units.list()
  t.equal(units.length, 18, 'Gia Lai and its 17 district-level units')
  t.match(await h.units.get('64'), { name: 'Tỉnh Gia Lai', level: 'province', agencyCode: '000.00.00.H21' })
  t.match(await h.units.get('622'), { name: 'Thành phố Pleiku', level: 'district', parent: '64' })

  const plan = await readShippedTargets()
  t.equal(plan.unitPriceVndPerPage, 3779)
  const sum = (list: Array<{ pages: number }>): number => list.reduce((n, x) => n + x.pages, 0)
  const y2022 = await h.units.listTargets({ year: 2022 })
  const y2023 = await h.units.listTargets({ year: 2023 })
  t.equal(sum(y2022.filter(x => x.unit === '64')), 110334, 'the province level of 2022')
  t.equal(sum(y2022.filter(x => x.unit !== '64')), 952989, 'the nine districts of 2022, shares summing to the plan')
  t.equal(sum(y2023), 809594, 'the eight districts of 2023')
  t.equal(sum([...y2022, ...y2023]), 1872917, 'the plan\'s total')
  t.equal(y2022.filter(x => x.unit !== '64').length, 9)
  t.ok(y2022.filter(x => x.unit !== '64').every(x => x.estimated), 'a district\'s share of a group total is marked estimated')
  t.notOk(y2022.find(x => x.unit === '64')!.estimated, 'the province\'s own figure is not')

  t.equal(await h.units.seed(), 0, 'a second seed adds nothing')
  t.equal((await h.units.listTargets()).length, 18, 'nor targets')
  t.equal(await h.units.version(), 1, 'the shipped catalogue is version 1')
})

t.test('add, rename keeping the old name, agency codes and parents', async t => {
  const h = await openHarness(t)
  const v0 = await h.units.version()
  const commune = await h.units.add({ code: '23584', name: ' Xã Ia Dêr ', level: 'commune', parent: '628', agencyCode: '000.01.28.H21' })
  t.equal(commune.name, 'Xã Ia Dêr', 'names are trimmed')
  t.ok(await h.units.version() > v0, 'every change bumps the version')
  await t.rejects(h.units.add({ code: '23584', name: 'Again', level: 'commune', parent: '628' }), { code: 'UNIT_EXISTS' })
  await t.rejects(h.units.add({ code: '23585', name: 'X', level: 'commune', parent: '628', agencyCode: 'H21.28.01' }), { code: 'VALIDATION' }, 'the agency code must be in the padded QĐ 20/2020 form')
  await t.rejects(h.units.add({ code: '23586', name: 'X', level: 'district', parent: '23584' }), { code: 'VALIDATION' }, 'a district cannot sit under a commune')
  await t.rejects(h.units.add({ code: '23587', name: 'X', level: 'commune', parent: '999' }), { code: 'UNKNOWN_UNIT' })
  // Since 2025 communes sit under the province directly.
  await h.units.add({ code: '23590', name: 'Xã Ia Pết', level: 'commune', parent: '64' })

  // A name typed in NFD (decomposed accents) is stored NFC like every other name.
  const DER = 'Xã Ia Dềr'.normalize('NFC')
  const renamed = await h.units.update('23584', { name: DER.normalize('NFD'), effective: '2025-07-01' })
  t.equal(renamed.name, DER)
  t.same(renamed.formerNames, [{ name: 'Xã Ia Dêr', until: '2025-07-01' }], 'the old name is kept with the day it ended')
  await h.units.update('23584', { name: 'Phường Ia Dêr', effective: '2026-01-01' })
  t.equal(await h.units.nameAt('23584', '2024-05-05'), 'Xã Ia Dêr', 'a record of 2024 shows the issuer as it was named then')
  t.equal(await h.units.nameAt('23584', '2025-09-01T10:00:00Z'), DER)
  t.equal(await h.units.nameAt('23584', '2026-02-01'), 'Phường Ia Dêr')
  t.same((await h.units.view('23584')).names, ['Xã Ia Dêr', DER, 'Phường Ia Dêr'])
  await t.rejects(h.units.update('23584', { name: 'Backwards', effective: '2025-01-01' }), { code: 'VALIDATION' }, 'a rename cannot end before the previous one')

  const coded = await h.units.update('622', { agencyCode: '000.00.22.H21' })
  t.equal(coded.agencyCode, '000.00.22.H21')
  t.equal(coded.name, 'Thành phố Pleiku', 'an edit without a name keeps it, with no former name added')
  t.notOk(coded.formerNames)
})

t.test('merges: records keep their unit, the successor covers its predecessors transitively', async t => {
  const h = await openHarness(t)
  await h.units.add({ code: '30001', name: 'Xã A', level: 'commune', parent: '628' })
  await h.units.add({ code: '30002', name: 'Xã B', level: 'commune', parent: '628' })
  await h.units.add({ code: '30003', name: 'Xã C (mới)', level: 'commune', parent: '64' })
  await h.units.add({ code: '30004', name: 'Phường D (mới)', level: 'commune', parent: '64' })
  await h.units.merge('30001', { into: '30002', effective: '2024-01-01' })
  const merged = await h.units.merge('30002', { into: '30003', effective: '2025-07-01' })
  t.same(merged.mergedInto, { code: '30003', effective: '2025-07-01' })
  t.equal(merged.name, 'Xã B', 'a merged unit keeps its name')

  t.same(await h.units.unitsCovering('30003'), ['30003', '30002', '30001'], 'the successor, then its predecessors, transitively')
  t.same(await h.units.unitsCovering('30002'), ['30002', '30001'])
  t.same(await h.units.unitsCovering('30004'), ['30004'])
  t.same((await h.units.view('30001')).successors, ['30002', '30003'])
  t.same((await h.units.view('30003')).predecessors, ['30002', '30001'])
  t.ok((await h.units.unitsUnder('628')).includes('30001'), 'the district still holds its old communes')

  const before = await h.units.version()
  t.same((await h.units.merge('30002', { into: '30003', effective: '2025-07-01' })).mergedInto, { code: '30003', effective: '2025-07-01' }, 'the same merge again is a no-op')
  t.equal(await h.units.version(), before, 'and changes no version')
  await t.rejects(h.units.merge('30002', { into: '30004', effective: '2025-07-01' }), { code: 'UNIT_MERGED' })
  await t.rejects(h.units.merge('30003', { into: '30001', effective: '2026-01-01' }), { code: 'VALIDATION' }, 'no cycle of merges')
  await t.rejects(h.units.merge('30004', { into: '30004', effective: '2026-01-01' }), { code: 'VALIDATION' })
  await t.rejects(h.units.merge('30004', { into: '99999', effective: '2026-01-01' }), { code: 'UNKNOWN_UNIT' })
  await t.rejects(h.units.merge('30004', { into: '30003', effective: '1/7/2025' }), { code: 'VALIDATION' })
  await t.rejects(h.units.unitsCovering('99999'), { code: 'UNKNOWN_UNIT' })
})

t.test('the catalogue survives a restart, version included', async t => {
  const dir = await tempDir(t)
  let store = await Store.open(dir)
  let units = new Units(store)
  await units.seed()
  await units.add({ code: '30001', name: 'Xã A', level: 'commune', parent: '628' })
  await units.merge('30001', { into: '622', effective: '2025-07-01' })
  const version = await units.version()
  await store.close()
  store = await Store.open(dir)
  t.teardown(() => store.close())
  units = new Units(store)
  t.equal(await units.seed(), 0)
  t.equal(await units.version(), version)
  t.same(await units.unitsCovering('622'), ['622', '30001'])
})

t.test('snapshot and apply: the province\'s own sequence decides, idempotent, names are never lost', async t => {
  const province = await openHarness(t, { role: 'province' })
  const district = await openHarness(t, { role: 'district' })
  await province.units.add({ code: '30001', name: 'Xã A', level: 'commune', parent: '628' })
  await province.units.merge('30001', { into: '628', effective: '2025-07-01' })
  await province.units.setTarget('628', 2024, 50000, 'QĐ giao chỉ tiêu')
  const snapshot = await province.units.catalogueSnapshot()
  t.equal(snapshot.format, 'sohoa-catalogue/1')
  t.equal(snapshot.version, 4, 'the province counts its changes: seed 1, then three changes, no clock in it')
  t.type(snapshot.origin, 'string')

  // The district edits before anything came down, many times and "later" by any clock: it does not compete.
  for (let i = 0; i < 5; i++) await district.units.update('624', { agencyCode: i % 2 === 0 ? '000.00.24.H21' : '000.00.99.H21' })
  t.ok(await district.units.version() > snapshot.version, 'the district\'s own counter ran past the province\'s')
  t.match(await district.units.applyCatalogue(JSON.parse(JSON.stringify(snapshot))), { applied: true, version: 4, units: 19 }, 'the province\'s catalogue is taken all the same')
  t.equal(await district.units.appliedVersion(), 4)
  t.same(await district.units.unitsCovering('628'), ['628', '30001'], 'the merge came down')
  t.match((await district.units.listTargets({ year: 2024 })).find(x => x.unit === '628'), { pages: 50000, estimated: false })

  // A local change is an override: kept over the province's next catalogue, shown with the province's copy.
  await district.units.update('622', { name: 'TP Pleiku (tên địa phương)', effective: '2020-01-01' })
  const shipped = (await district.units.listTargets({ unit: '622' }))[0]
  await district.units.setTarget('622', shipped.year, 1234, 'kế hoạch huyện')
  await province.units.update('622', { agencyCode: '000.00.22.H21' })
  await province.units.update('626', { name: 'Thị xã An Khê (mới)', effective: '2026-01-01' })
  const newer = await province.units.catalogueSnapshot()
  t.equal(newer.version, 6)
  t.notOk(newer.units.some(u => 'override' in u), 'a snapshot carries no override')
  const taken = await district.units.applyCatalogue(newer)
  t.match(taken, { applied: true, version: 6, overridden: 3 }, 'two units (622, and 624 edited earlier) and one target kept their local values')
  const pleiku = await district.units.get('622')
  t.equal(pleiku.name, 'TP Pleiku (tên địa phương)', 'the local name stays in force here')
  t.match(pleiku.override, { province: { name: 'Thành phố Pleiku', agencyCode: '000.00.22.H21' } }, 'beside the province\'s latest copy')
  t.equal((await district.units.get('626')).name, 'Thị xã An Khê (mới)', 'units not changed here follow the province')
  t.match((await district.units.listTargets({ year: shipped.year, unit: '622' }))[0], { pages: 1234, override: { province: { pages: shipped.pages, estimated: true } } })
  const units = await district.call('admin', 'GET', '/api/v1/units')
  t.match(units.json.find((u: any) => u.code === '622'), { override: { province: { name: 'Thành phố Pleiku' } } }, 'the API shows the override')

  // The admin gives the unit back to the province; the local name is kept as a former name.
  const back = await district.call('admin', 'DELETE', '/api/v1/units/622/override')
  t.equal(back.status, 200)
  t.match(back.json, { name: 'Thành phố Pleiku', agencyCode: '000.00.22.H21' })
  t.notOk(back.json.override)
  t.ok(back.json.formerNames.some((f: any) => f.name === 'TP Pleiku (tên địa phương)'), 'never lost')
  t.match((await district.units.listTargets({ year: shipped.year, unit: '622' }))[0], { pages: shipped.pages, override: undefined }, 'its targets went back too')
  const own = await district.units.add({ code: '30009', name: 'Xã chỉ huyện biết', level: 'commune', parent: '622' })
  t.same(own.override?.province, null, 'a unit only the district has')
  t.equal((await district.call('admin', 'DELETE', '/api/v1/units/30009/override')).status, 400, 'has no province copy to go back to')
  t.notOk((await province.units.get('622')).override, 'the province never marks overrides: it is the catalogue')

  const again = await district.units.applyCatalogue(newer)
  t.same(again, { applied: false, version: 6, units: 0, targets: 0 }, 'applying twice changes nothing')
  t.match(await district.units.applyCatalogue(snapshot), { applied: false }, 'an older catalogue is ignored')
  t.equal(await district.units.appliedVersion(), 6)

  // A province rebuilt from nothing numbers from 1 again: its catalogue is another origin, and is taken.
  const rebuilt = await openHarness(t, { role: 'province' })
  await rebuilt.units.update('628', { agencyCode: '000.00.28.H21' })
  const fresh = await rebuilt.units.catalogueSnapshot()
  t.equal(fresh.version, 2)
  t.match(await district.units.applyCatalogue(fresh), { applied: true, version: 2 })
  t.equal((await district.units.get('628')).agencyCode, '000.00.28.H21')

  await t.rejects(district.units.applyCatalogue({ ...newer, version: newer.version + 1, units: [{ ...newer.units[0], agencyCode: 'bad code' }] }), { code: 'VALIDATION' })
  await t.rejects(district.units.applyCatalogue({ ...newer, version: newer.version + 1, units: [{ ...newer.units[1], parent: 'nowhere' }] }), { code: 'VALIDATION' })
  await t.rejects(district.units.applyCatalogue({ format: 'other', version: 1, units: [], targets: [] }), { code: 'VALIDATION' })
  const cycle = newer.units.map(u => u.code === '628' ? { ...u, mergedInto: { code: '30001', effective: '2026-01-01' } } : u)
  await t.rejects(district.units.applyCatalogue({ ...newer, version: newer.version + 1, units: cycle }), { code: 'VALIDATION' }, 'a cycle of merges is refused')
  t.equal(await district.units.appliedVersion(), 2, 'a refused snapshot writes nothing')
})
