// The inventory before scanning on a real LevelDB: boxes and counted files, files moving counted → scanned →
// reviewed → archived as their records do, moves and removals, discrepancies, reconcile, and the HTTP routes.
import t from 'tap'
import { changeOfRecord } from '../../appliance/src/inventory/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { openHarness, putRecords } from '../units/harness.js'

const FILE = { unit: '622', box: '12', number: '3', title: 'Giấy phép xây dựng năm 2016', resultTypeCode: 'KQ.G15.000031', resultTypeName: 'Giấy phép xây dựng', procedureCode: '1.009972', yearFrom: 2016, yearTo: 2016, retention: 'permanent' as const, countedPages: 40 }
const DOSSIER = '000.00.22.H21-160505-0001'

t.test('boxes and files: registration, numbering rules, duplicates', async t => {
  const h = await openHarness(t)
  const box = await h.inventory.addBox({ unit: '622', number: '12', label: 'GPXD 2016', location: 'Kho 1, giá 3' })
  t.match(box, { unit: '622', number: '12', label: 'GPXD 2016' })
  await t.rejects(h.inventory.addBox({ unit: '622', number: '12' }), { code: 'INVENTORY_EXISTS' })
  await t.rejects(h.inventory.addBox({ unit: '999', number: '1' }), { code: 'UNKNOWN_UNIT' })
  await t.rejects(h.inventory.addBox({ unit: '622', number: 'a!b' }), { code: 'VALIDATION' }, 'no key separator in numbers')

  const file = await h.inventory.addFile({ ...FILE, dossierCode: DOSSIER })
  t.match(file, { boxId: box.id, box: '12', number: '3', status: 'counted', countedPages: 40, records: 0, archivedPages: 0 })
  const other = await h.inventory.addFile({ ...FILE, box: '13', number: '1' })
  t.not(other.boxId, box.id, 'a new box number registers its box with the file')
  t.equal((await h.inventory.listBoxes({ unit: '622' })).length, 2)
  await t.rejects(h.inventory.addFile({ ...FILE }), { code: 'INVENTORY_EXISTS' }, 'same box and file number')
  await t.rejects(h.inventory.addFile({ ...FILE, number: '4', dossierCode: DOSSIER }), { code: 'INVENTORY_EXISTS' }, 'same dossier code')
  await t.rejects(h.inventory.addFile({ ...FILE, number: '5', yearFrom: 2017, yearTo: 2016 }), { code: 'VALIDATION' })
  await t.rejects(h.inventory.addFile({ ...FILE, number: '5', retention: '3y' as any }), { code: 'VALIDATION' })
  await t.rejects(h.inventory.addFile({ ...FILE, number: '5', dossierCode: 'HS-1' }), { code: 'VALIDATION' })
  await t.rejects(h.inventory.addFile({ ...FILE, number: '5', countedPages: -1 }), { code: 'VALIDATION' })

  // Same numbers in another unit are another file.
  await h.inventory.addFile({ ...FILE, unit: '623' })
  t.same((await h.inventory.listFiles({ unit: '622' })).map(f => `${f.box}/${f.number}`), ['12/3', '13/1'])

  const moved = await h.inventory.updateFile(other.id, { box: '12', number: '10', countedPages: 12 })
  t.match(moved, { box: '12', number: '10', boxId: box.id, countedPages: 12 })
  t.same((await h.inventory.listFiles({ unit: '622' })).map(f => `${f.box}/${f.number}`), ['12/3', '12/10'], 'file numbers sort as numbers')
  await t.rejects(h.inventory.updateFile(other.id, { number: '3' }), { code: 'INVENTORY_EXISTS' })
  await t.rejects(h.inventory.updateFile('if_00000000000000000000000', { countedPages: 1 }), { code: 'INVENTORY_NOT_FOUND' })

  t.same(await h.inventory.sheet(file.id), { unit: '622', dossierCode: DOSSIER, procedureCode: '1.009972', resultTypeCode: 'KQ.G15.000031', box: '12', file: '3', inventoryFileId: file.id }, 'what its separator sheet carries')
})

t.test('a file follows its records: counted → scanned → reviewed → archived, and discrepancies', async t => {
  const h = await openHarness(t)
  const byDossier = await h.inventory.addFile({ ...FILE, dossierCode: DOSSIER })
  const byNumbers = await h.inventory.addFile({ ...FILE, number: '4', countedPages: 10 })
  const change = (recordId: string, status: any, pageCount: number, extra: object = {}): Parameters<typeof h.inventory.onRecordChanged>[0] => ({ recordId, unit: '622', status, pageCount, ...extra })

  t.same(await h.inventory.onRecordChanged(change('r_a', 'draft', 20, { dossierCode: DOSSIER })), { fileId: byDossier.id }, 'found by dossier code')
  t.match(await h.inventory.file(byDossier.id), { status: 'scanned', records: 1, receivedPages: 20, archivedPages: 0 })
  await h.inventory.onRecordChanged(change('r_b', 'draft', 17, { box: '12', file: '3' }))
  t.match(await h.inventory.file(byDossier.id), { status: 'scanned', records: 2, receivedPages: 37 }, 'found by box and file numbers')
  await h.inventory.onRecordChanged(change('r_a', 'approved', 20, { dossierCode: DOSSIER }))
  t.equal((await h.inventory.file(byDossier.id)).status, 'scanned', 'a file is as far as its least advanced record')
  await h.inventory.onRecordChanged(change('r_b', 'approved', 17, { box: '12', file: '3' }))
  t.equal((await h.inventory.file(byDossier.id)).status, 'reviewed')
  await h.inventory.onRecordChanged(change('r_a', 'archived', 20, { dossierCode: DOSSIER }))
  await h.inventory.onRecordChanged(change('r_b', 'archived', 17, { box: '12', file: '3' }))
  t.match(await h.inventory.file(byDossier.id), { status: 'archived', archivedPages: 37, countedPages: 40 })

  const before = await h.inventory.file(byDossier.id)
  await h.inventory.onRecordChanged(change('r_b', 'archived', 17, { box: '12', file: '3' }))
  t.equal((await h.inventory.file(byDossier.id)).updatedAt, before.updatedAt, 'the same facts again change nothing')

  t.same(await h.inventory.discrepancies({ unit: '622' }), [{
    fileId: byDossier.id, unit: '622', box: '12', number: '3', title: FILE.title, dossierCode: DOSSIER, status: 'archived', countedPages: 40, receivedPages: 37, archivedPages: 37, difference: -3
  }], 'counted 40 pages, 37 archived')

  // A record found by the file id its separator sheet carried; then moved to another file by a reviewer.
  t.same(await h.inventory.onRecordChanged(change('r_c', 'draft', 11, { inventoryFileId: byNumbers.id })), { fileId: byNumbers.id })
  t.same(await h.inventory.discrepancies({ unit: '622' }), [await h.inventory.discrepancies({ unit: '622' }).then(d => d[0])], 'files in work are not listed by default')
  t.match((await h.inventory.discrepancies({ all: true })).find(d => d.fileId === byNumbers.id), { receivedPages: 11, countedPages: 10, difference: 1 }, 'with all: a stack scanned long')
  await h.inventory.onRecordChanged(change('r_c', 'draft', 11, { dossierCode: DOSSIER }))
  t.match(await h.inventory.file(byNumbers.id), { status: 'counted', records: 0, receivedPages: 0 }, 'a moved record leaves its old file')
  t.match(await h.inventory.file(byDossier.id), { status: 'scanned', records: 3, receivedPages: 48 })
  await h.inventory.onRecordChanged(change('r_c', 'removed', 11))
  t.match(await h.inventory.file(byDossier.id), { status: 'archived', records: 2 }, 'a removed (split, merged away, deleted) record leaves its file')

  t.same(await h.inventory.onRecordChanged(change('r_d', 'draft', 3, { dossierCode: '000.00.22.H21-160505-0099' })), { fileId: null }, 'no file: nothing filed')
  t.same(await h.inventory.onRecordChanged({ ...change('r_e', 'draft', 3, { dossierCode: DOSSIER }), unit: '623' }), { fileId: null }, 'a file of another unit is not a match')
  t.same(await h.inventory.onRecordChanged(change('r_f', 'draft', 3, { inventoryFileId: 'if_00000000000000000000000', box: '12', file: '4' })), { fileId: byNumbers.id }, 'an unknown sheet id falls back to the numbers')

  const [summary] = await h.inventory.summary({ units: ['622'] })
  t.same(summary, { unit: '622', boxes: 1, files: 2, byStatus: { counted: 0, scanned: 1, reviewed: 0, archived: 1 }, countedPages: 50, receivedPages: 40, archivedPages: 37 })
})

t.test('concurrent changes of one file stay consistent', async t => {
  const h = await openHarness(t)
  const file = await h.inventory.addFile({ ...FILE, dossierCode: DOSSIER, countedPages: 100 })
  await Promise.all(Array.from({ length: 25 }, (_, i) => h.inventory.onRecordChanged({ recordId: `r_${i}`, unit: '622', dossierCode: DOSSIER, status: i % 2 ? 'archived' : 'approved', pageCount: 4 })))
  t.match(await h.inventory.file(file.id), { records: 25, receivedPages: 100, archivedPages: 48, status: 'reviewed' })
})

t.test('reconcile files records registered before their inventory entry, and survives a restart', async t => {
  const h = await openHarness(t)
  const [a, b] = await putRecords(h.store, [
    { unit: '622', pages: 5, status: 'archived', createdAt: '2024-03-01T02:00:00.000Z', archivedAt: '2024-03-05T02:00:00.000Z', codes: { dossierCode: DOSSIER } },
    { unit: '622', pages: 2, status: 'draft', createdAt: '2024-03-01T02:00:00.000Z', codes: { box: '12', file: '4' } },
    { unit: '622', pages: 9, status: 'draft', createdAt: '2024-03-01T02:00:00.000Z' }
  ])
  t.match(changeOfRecord(a), { recordId: a.id, unit: '622', dossierCode: DOSSIER, status: 'archived', pageCount: 5 })
  t.equal(changeOfRecord({ ...b, supersededBy: ['r_x'] }).status, 'removed')
  const f1 = await h.inventory.addFile({ ...FILE, dossierCode: DOSSIER, countedPages: 5 })
  const f2 = await h.inventory.addFile({ ...FILE, number: '4', countedPages: 2 })
  t.same(await h.inventory.reconcile(), { records: 3, filed: 2 })
  t.match(await h.inventory.file(f1.id), { status: 'archived', archivedPages: 5 })
  t.match(await h.inventory.fileView(f2.id), { status: 'scanned', links: [{ recordId: b.id, status: 'draft', pageCount: 2 }] })
  t.same(await h.inventory.discrepancies(), [])

  await h.store.close()
  const store = await Store.open(h.dir)
  t.teardown(() => store.close())
  const again = new (h.inventory.constructor as any)(store, h.units)
  t.match(await again.file(f1.id), { status: 'archived', archivedPages: 5 }, 'on disk after a restart')
  t.equal(await store.inventory.fileIdOfRecord(b.id), f2.id)
})

t.test('inventory over HTTP', async t => {
  const h = await openHarness(t)
  const box = await h.call('ingest', 'POST', '/api/v1/inventory/boxes', { unit: '622', number: '12', label: 'GPXD' })
  t.equal(box.status, 201, box.body)
  const created = await h.call('ingest', 'POST', '/api/v1/inventory/files', { ...FILE, dossierCode: DOSSIER })
  t.equal(created.status, 201, created.body)
  t.equal(created.json.boxId, box.json.id)
  t.equal((await h.call('read', 'POST', '/api/v1/inventory/files', { ...FILE, number: '9' })).status, 403, 'a read token cannot register')
  const dup = await h.call('ingest', 'POST', '/api/v1/inventory/files', { ...FILE, dossierCode: DOSSIER })
  t.equal(dup.status, 409)
  t.match(dup.json, { error: 'INVENTORY_EXISTS', message: /kiểm đếm/ })
  t.equal((await h.call('ingest', 'POST', '/api/v1/inventory/files', { ...FILE, number: '9', retention: 'forever' })).status, 400)

  await h.inventory.onRecordChanged({ recordId: 'r_1', unit: '622', dossierCode: DOSSIER, status: 'archived', pageCount: 37 })
  const view = await h.call('read', 'GET', `/api/v1/inventory/files/${created.json.id}`)
  t.match(view.json, { status: 'archived', archivedPages: 37, links: [{ recordId: 'r_1', status: 'archived', pageCount: 37 }] })
  t.equal((await h.call('read', 'GET', '/api/v1/inventory/files/if_00000000000000000000000')).status, 404)
  t.equal((await h.call('read', 'GET', '/api/v1/inventory/files?status=archived')).json.length, 1)
  t.equal((await h.call('read', 'GET', '/api/v1/inventory/files?status=counted')).json.length, 0)
  t.match((await h.call('read', 'GET', '/api/v1/inventory/discrepancies?unit=622')).json, [{ countedPages: 40, archivedPages: 37, difference: -3 }])
  const recount = await h.call('ingest', 'PATCH', `/api/v1/inventory/files/${created.json.id}`, { countedPages: 37 })
  t.equal(recount.json.countedPages, 37)
  t.equal(recount.json.status, 'archived', 'a recount keeps the status its records give')
  t.same((await h.call('read', 'GET', '/api/v1/inventory/discrepancies')).json, [], 'after the recount, no discrepancy')
  t.match((await h.call('read', 'GET', '/api/v1/inventory/summary?unit=622')).json, [{ unit: '622', files: 1, countedPages: 37, archivedPages: 37 }])
  t.equal((await h.call('ingest', 'POST', '/api/v1/inventory/reconcile')).status, 403, 'reconcile is for admins')
  t.match((await h.call('admin', 'POST', '/api/v1/inventory/reconcile')).json, { records: 0, filed: 0 })
})
