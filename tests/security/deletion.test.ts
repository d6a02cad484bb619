// Issue 15, item 9: a lawful deletion is complete and crash-safe, on a real store on disk with a real log and the
// real search index. The tombstone names no person (fields, file name, and the record's versions), the search
// index forgets the record before the deletion answers, the record's files go except those another record uses;
// and when the process dies right after the commit, the next open sweeps the files nothing references.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import t from 'tap'
import { ArchiveLifecycle } from '../../appliance/src/archive/index.js'
import { indexRecord } from '../../appliance/src/pipeline/steps.js'
import { RecordLifecycle, Records } from '../../appliance/src/records/index.js'
import { createSearchService } from '../../appliance/src/search/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { archiveRecord, openArchive, type Archived, type Opened } from '../archive/log-fixture.js'

const PERSON = { subjectName: 'Nguyễn Văn An', subjectId: '064190001234', summary: 'Cấp phép xây dựng cho ông Nguyễn Văn An' }
const permit = (n: string): Record<string, string | null> => ({ documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: `${n}/GPXD-UBND`, issuedDate: '2015-05-14', issuer: 'UBND HUYỆN CHƯ SÊ', ...PERSON })

/** Two archived records of one person sharing a master (the same page sent twice), both indexed, retention over. */
async function seed (a: Opened): Promise<{ gone: Archived, kept: Archived, shared: Buffer }> {
  const shared = randomBytes(4000)
  const gone = await archiveRecord(a, { masters: [shared, randomBytes(3000)], fields: permit('15') })
  const kept = await archiveRecord(a, { masters: [shared], fields: permit('16') })
  for (const r of [gone, kept]) await a.store.tx().putRecord({ ...r.record, retention: '5y' }).commit()
  // A reviewer once corrected the name: the version history holds it.
  await a.store.tx().putVersion({ recordId: gone.record.id, version: 1, at: new Date().toISOString(), by: 'kiemduyet', action: 'edit', changes: { subjectName: { from: 'Nguyen Van A', to: PERSON.subjectName }, documentNumber: { from: '15', to: '15/GPXD-UBND' } } }).commit()
  return { gone, kept, shared }
}

const filesOf = (r: Archived): string[] => [...r.files.map(f => f.sha256), ...r.pages.map(p => p.thumbnailSha256!).filter(Boolean)]

t.test('deletion drops the person everywhere and removes the files', async t => {
  const a = await openArchive(t)
  const records = new Records(a.store)
  const search = createSearchService(a.store.searchIndex)
  const { gone, kept } = await seed(a)
  for (const r of [gone, kept]) await indexRecord({ store: a.store, records, search }, r.record.id)
  t.equal((await search.search('nguyen van an')).total, 2, 'both found by the name before')

  const lifecycle = new ArchiveLifecycle(a.store, new RecordLifecycle(a.store), a.archiveLog, search)
  await lifecycle.delete(gone.record.id, 'Hết thời hạn bảo quản', 'admin')

  const tomb = (await a.store.getRecord(gone.record.id))!
  t.ok(tomb.deleted, 'a tombstone')
  t.same(Object.keys(tomb.fields ?? {}).sort(), ['documentNumber', 'documentType', 'issuedDate', 'issuer'], 'only what says which document it was')
  t.equal(tomb.filename, null, 'no file name (a scan may be named after the person)')
  const versions = JSON.stringify(await a.store.listVersions(gone.record.id))
  t.notMatch(versions, /Nguy/, 'the versions no longer hold the name')
  t.match(versions, /15\/GPXD-UBND/, 'but keep what was not personal')
  t.notMatch(JSON.stringify(tomb), /Nguy|064190001234/, 'nothing of the person in the record')

  const found = await search.search('nguyen van an')
  t.same(found.results.map(r => r.recordId), [kept.record.id], 'the index forgot it at once')
  t.same((await search.search('', { subjectId: PERSON.subjectId })).results.map(r => r.recordId), [kept.record.id])

  const sharedSha = kept.pages[0].sha256
  for (const sha of filesOf(gone)) {
    if (sha === sharedSha) t.ok(existsSync(a.store.files.path(sha)), 'the master the other record uses stays')
    else t.notOk(existsSync(a.store.files.path(sha)), `its file ${sha.slice(0, 8)} is gone`)
  }
  for (const sha of filesOf(kept)) t.ok(existsSync(a.store.files.path(sha)), 'the other record keeps its files')
  t.equal(await a.store.getMeta('filesSweepPending'), undefined, 'no sweep left pending')
})

t.test('a crash right after the commit: the next open sweeps what nothing references', async t => {
  const a = await openArchive(t)
  const { gone, kept } = await seed(a)
  // The process "dies" right after the deletion's synced commit: nothing after it runs.
  const dying = { removeDocument: async () => { throw new Error('power cut') } }
  const lifecycle = new ArchiveLifecycle(a.store, new RecordLifecycle(a.store), a.archiveLog, dying)
  await t.rejects(lifecycle.delete(gone.record.id, 'Hết thời hạn bảo quản', 'admin'), /power cut/)
  t.ok((await a.store.getRecord(gone.record.id))!.deleted, 'the deletion was committed')
  const onlyGone = filesOf(gone).filter(sha => !filesOf(kept).includes(sha))
  t.ok(onlyGone.every(sha => existsSync(a.store.files.path(sha))), 'its files are still on disk')
  t.equal(await a.store.getMeta('filesSweepPending'), true, 'the sweep is pending')

  // A stray file: written by an intake cut before its commit, referenced by nothing.
  const stray = await a.store.files.put(randomBytes(1000))
  await a.store.close()
  const store = await Store.open(a.dir)
  t.teardown(async () => await store.close())
  for (const sha of onlyGone) t.notOk(existsSync(store.files.path(sha)), `swept ${sha.slice(0, 8)}`)
  t.notOk(existsSync(store.files.path(stray.sha256)), 'and the stray file')
  for (const sha of filesOf(kept)) t.ok(existsSync(store.files.path(sha)), 'every file of the live record stays')
  t.equal(await store.getMeta('filesSweepPending'), undefined, 'the mark is cleared')
})
