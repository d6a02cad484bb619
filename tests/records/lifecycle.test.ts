// Review of records on a real LevelDB: versions and ETag conflicts, approval rules, split and merge, validity.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import pino from 'pino'
import { FIELD_NAMES, type ExtractedFields } from '../../appliance/src/extract/types.js'
import { Intake } from '../../appliance/src/intake/index.js'
import { RecordLifecycle, Records, archiveIdOf, recordIdOfArchiveId, searchDocumentOf } from '../../appliance/src/records/index.js'
import { DEFAULT_MAX_PIXELS } from '../../appliance/src/imaging/limits.js'
import { Store } from '../../appliance/src/store/index.js'
import { Units } from '../../appliance/src/units/index.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'

const logger = pino({ level: 'silent' })

async function setup (t: { teardown: (fn: () => unknown) => void }) {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  await new Units(store).seed()
  const intake = new Intake({ store, maxPixels: DEFAULT_MAX_PIXELS, logger })
  const changed: string[] = []
  const lifecycle = new RecordLifecycle(store, { changed: id => changed.push(id), removed: id => changed.push(id) })
  const records = new Records(store)
  const batch = await intake.newBatch('622', 'api')
  const add = async (file: string) => await intake.accept({ unit: '622', bytes: await readFile(join(CORPUS, file)), batchId: batch.id, source: 'api' })
  /** What the pipeline does when a page is indexed (tests of review do not need the OCR itself). */
  const markIndexed = async (recordId: string) => {
    const record = (await store.getRecord(recordId))!
    const tx = store.tx()
    for (const p of await store.getPages(record.pageIds)) tx.putPage({ ...p, stage: 'indexed' })
    await tx.commit()
  }
  return { store, lifecycle, records, add, markIndexed, changed, batch }
}

function extracted (values: Partial<Record<string, string>>): ExtractedFields {
  return { ...Object.fromEntries(FIELD_NAMES.map(n => [n, { value: values[n] ?? null, confidence: values[n] ? 0.9 : 0, boxes: values[n] ? [{ page: 0, x0: 1, y0: 2, x1: 3, y1: 4 }] : [] }])), parties: { value: [], confidence: 0, boxes: [] } } as unknown as ExtractedFields
}

t.test('edit with If-Match: versions, conflicts, normalisation, history', async t => {
  const { lifecycle, records, add, store } = await setup(t)
  const { recordId } = await add('0000.jpg')
  await lifecycle.storeExtracted(recordId, extracted({ documentNumber: '1470/GPXD-UBND', issuedDate: '2018-02-24' }), 'test-extractor')
  let view = await records.get(recordId)
  t.equal(view.version, 0, 'extraction is not a version')
  t.equal(view.fields.documentNumber.value, '1470/GPXD-UBND')
  t.equal(view.fields.signer.value, null, 'every field is present, unread ones null')

  await t.rejects(lifecycle.edit(recordId, undefined, { fields: { signer: 'A' } }, 'kiemtra'), { code: 'VERSION_REQUIRED' })
  const edited = await lifecycle.edit(recordId, 0, { fields: { signer: '  Ksor   Xuân Bình ', issuedDate: '24/02/2018' }, codes: { dossierCode: '000.00.21.H21-230505-0001' } }, 'kiemtra')
  t.equal(edited.version, 1)
  t.equal(edited.fields!.signer.value, 'Ksor Xuân Bình', 'spaces collapsed')
  t.equal(edited.fields!.signer.confidence, 1)
  t.ok(edited.fields!.signer.edited)
  t.equal(edited.fields!.issuedDate.value, '2018-02-24', 'DD/MM/YYYY stored as ISO')
  t.equal(edited.codes!.dossierCode, '000.00.21.H21-230505-0001')
  await t.rejects(lifecycle.edit(recordId, 0, { fields: { signer: 'B' } }, 'other'), { code: 'VERSION_CONFLICT' }, 'a stale version is refused')
  await t.rejects(lifecycle.edit(recordId, 1, { fields: { issuedDate: '2018-02-30' } }, 'kiemtra'), { code: 'FIELD_INVALID' })
  await t.rejects(lifecycle.edit(recordId, 1, { codes: { dossierCode: 'not a code' } }, 'kiemtra'), { code: 'FIELD_INVALID' })
  await t.rejects(lifecycle.edit(recordId, 1, { fields: { subjectId: '0643-ab' } }, 'kiemtra'), { code: 'FIELD_INVALID' })

  // A re-extraction keeps what the reviewer set.
  await lifecycle.storeExtracted(recordId, extracted({ signer: 'Sai Ten', documentNumber: '1470/GPXD-UBND' }), 'test-extractor')
  view = await records.get(recordId)
  t.equal(view.fields.signer.value, 'Ksor Xuân Bình')
  const versions = await lifecycle.versions(recordId)
  t.equal(versions.length, 1)
  t.match(versions[0], { version: 1, by: 'kiemtra', action: 'edit', changes: { signer: { from: null, to: 'Ksor Xuân Bình' } } })
  const events = await store.listEvents(recordId)
  t.same(events.map(e => e.type), ['extraction', 'review', 'extraction'])
})

t.test('parties: extracted, corrected by a reviewer as a version, kept on re-extraction, searchable by any ID', async t => {
  const { lifecycle, records, add, store } = await setup(t)
  const { recordId } = await add('0000.jpg')
  const read = extracted({ documentType: 'GIẤY CHỨNG NHẬN KẾT HÔN', subjectName: 'Trương Hữu Nguyên', subjectId: '064090592474' })
  read.parties = { value: [{ role: 'husband', name: 'Trương Hữu Nguyên', idNumber: '064090592474' }, { role: 'wife', name: 'Dương Thanh Hẳng', idNumber: '064300455396' }], confidence: 0.71, boxes: [] }
  await lifecycle.storeExtracted(recordId, read, 'test-extractor')
  let view = await records.get(recordId)
  t.same(view.parties, { value: read.parties.value, confidence: 0.71 }, 'as extracted')
  t.equal((await records.list({ status: 'draft', limit: 10 })).records.find(r => r.id === recordId)?.lowConfidence, 8, 'seven unread fields and the unsure parties to look at')

  await t.rejects(lifecycle.edit(recordId, 0, { parties: [{ role: 'wife', name: ' ' }] }, 'kiemtra'), { code: 'FIELD_INVALID' }, 'a party needs a name')
  await t.rejects(lifecycle.edit(recordId, 0, { parties: [{ role: 'wife', name: 'A B', idNumber: '0643-ab' }] }, 'kiemtra'), { code: 'FIELD_INVALID' }, 'an ID is digits')
  const fixed = [{ role: 'husband', name: 'Trương Hữu Nguyên', idNumber: '064090592474' }, { role: 'wife', name: 'Dương  Thanh Hằng', idNumber: '064 300 455 396', birthDate: '18/04/2000' }]
  const edited = await lifecycle.edit(recordId, 0, { parties: fixed }, 'kiemtra')
  t.same(edited.parties, { value: [fixed[0], { role: 'wife', name: 'Dương Thanh Hằng', idNumber: '064300455396', birthDate: '2000-04-18' }], confidence: 1, edited: true }, 'normalised, edited')
  const versions = await lifecycle.versions(recordId)
  t.match(versions[0], { version: 1, action: 'edit', changes: { parties: { from: read.parties.value, to: edited.parties!.value } } }, 'a version says from and to')

  await lifecycle.storeExtracted(recordId, read, 'test-extractor')
  view = await records.get(recordId)
  t.equal(view.parties.value[1].name, 'Dương Thanh Hằng', 're-extraction keeps the reviewer\'s parties')
  const doc = searchDocumentOf((await store.getRecord(recordId))!, '')
  t.same(doc.attrs.subjectId, ['064090592474', '064300455396'], 'every party\'s ID is a search attribute, the main subject first')
})

t.test('approval needs every page indexed, then the record is frozen', async t => {
  const { lifecycle, add, markIndexed, store } = await setup(t)
  const { recordId } = await add('0001.jpg')
  await t.rejects(lifecycle.approve(recordId, undefined, 'kiemtra'), { code: 'RECORD_NOT_READY' })
  await markIndexed(recordId)
  await t.rejects(lifecycle.approve(recordId, 5, 'kiemtra'), { code: 'VERSION_CONFLICT' }, 'If-Match is honoured when given')
  const ok = await lifecycle.approve(recordId, 0, 'kiemtra')
  t.equal(ok.status, 'approved')
  t.equal(ok.approvedBy, 'kiemtra')
  t.ok(await store.hasRecordJob('sign', recordId), 'the sign step is due, written with the approval')
  await t.rejects(lifecycle.approve(recordId, undefined, 'kiemtra'), { code: 'RECORD_STATE' })
  await t.rejects(lifecycle.edit(recordId, 1, { fields: { signer: 'X' } }, 'kiemtra'), { code: 'RECORD_STATE' })
  await t.rejects(lifecycle.setValidity(recordId, { action: 'revoke', reason: 'x' }, 'admin'), { code: 'RECORD_STATE' }, 'only archived records have a validity to change')
})

t.test('split and merge move pages between records of one batch', async t => {
  const { lifecycle, records, add, store, batch } = await setup(t)
  const a = (await add('0002.jpg')).recordId
  const b = (await add('0003.jpg')).recordId
  const c = (await add('0004.jpg')).recordId
  const merged = await lifecycle.merge(a, [b, c], 'kiemtra')
  t.equal(merged.pageIds.length, 3)
  const pages = await store.getPages(merged.pageIds)
  t.same(pages.map(p => [p.recordId, p.index]), [[a, 0], [a, 1], [a, 2]], 'pages belong to the merged record, in order')
  t.same((await store.getRecord(b))!.supersededBy, [a])
  t.same((await store.getBatch(batch.id))!.recordIds, [a], 'the batch lists the surviving record')
  const list = await records.list({ limit: 10 })
  t.same(list.records.map(r => r.id), [a], 'merged-away records are not listed')
  await t.rejects(lifecycle.merge(a, [b], 'kiemtra'), { code: 'RECORD_STATE' }, 'an emptied record cannot be merged again')

  const [first, second] = await lifecycle.split(a, 3, 'kiemtra')
  t.equal(first.pageIds.length, 2)
  t.equal(second.pageIds.length, 1)
  t.equal((await store.getPage(second.pageIds[0]))!.recordId, second.id)
  t.equal((await store.getPage(second.pageIds[0]))!.index, 0)
  t.same((await store.getBatch(batch.id))!.recordIds, [a, second.id])
  await t.rejects(lifecycle.split(second.id, 2, 'kiemtra'), { code: 'VALIDATION' }, 'a one-page record cannot be split')
  t.match(await lifecycle.versions(second.id), [{ action: 'split', changes: { splitFrom: { to: a } } }])
})

t.test('archive ids name their record and nothing else', async t => {
  const id = 'r_0mk3a9c8d7e6f5g4h3j2k1m'
  const archiveId = archiveIdOf({ id, unit: '622' })
  t.equal(archiveId, 'SH-622-0mk3a9c8d7e6f5g4h3j2k1m')
  t.same(recordIdOfArchiveId(archiveId), { recordId: id, unit: '622' })
  t.equal(recordIdOfArchiveId('SH-622-../../etc'), null)
  t.equal(recordIdOfArchiveId('r_0mk3a9c8d7e6f5g4h3j2k1m'), null)
})
