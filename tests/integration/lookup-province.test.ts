// On a province node the lookup also answers from the districts' replicas: a district's signed log (archived
// records, then a revocation) is checked and committed by the real ProvinceReplicas into a real store and search
// index; the lookup returns the replicas' valid results with links, leaves out the revoked one and the one whose PDF
// is not in the shared file store, and the link's file is the district's PDF byte for byte.
import { createHash } from 'node:crypto'
import { rm } from 'node:fs/promises'
import t from 'tap'
import { ArchiveLog, loadOrCreateNodeKey } from '../../appliance/src/archive/log/index.js'
import { FileLinkSigner, ResultLookup } from '../../appliance/src/integration/index.js'
import { createLogger } from '../../appliance/src/log/index.js'
import { PartialFiles, ProvinceReplicas } from '../../appliance/src/replica/index.js'
import { createSearchService } from '../../appliance/src/search/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { Units } from '../../appliance/src/units/index.js'
import { tempDir } from '../helpers/tmp.js'
import { seedArchive } from '../sync/helpers.js'

const PERSON = '064190001234'
const SPOUSE = '064196000456'
const OTHER = '052301000999'

t.test('a province finds valid results in its districts\' replicas', async t => {
  const districtDir = await tempDir(t, 'sohoa-district-')
  const provinceDir = await tempDir(t, 'sohoa-province-')
  const fields = (subjectId: string, number: string, validUntil: string | null = null): Record<string, string | null> =>
    ({ documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: number, issuedDate: '2023-05-05', issuer: 'UBND THÀNH PHỐ PLEIKU', subjectId, validUntil })
  const seeded = await seedArchive(districtDir, '622', [
    { text: 'giấy phép một', fields: fields(PERSON, '101/GPXD-UBND'), parties: [{ role: 'holder', name: 'Nguyễn Văn An', idNumber: PERSON }, { role: 'holder', name: 'Lê Thị Hoa', idNumber: SPOUSE }] },
    { text: 'giấy phép hai', fields: fields(PERSON, '102/GPXD-UBND', '2099-12-31') },
    { text: 'giấy phép ba', fields: fields(PERSON, '103/GPXD-UBND') },
    { text: 'giấy phép bốn', fields: fields(OTHER, '104/GPXD-UBND') },
    { text: 'giấy phép năm', fields: fields(PERSON, '105/GPXD-UBND', '2001-01-01') }
  ])
  const [valid, validLater, revoked, otherPerson, pastValidUntil] = seeded.records

  // The district revokes one: a `record.validity` entry, as the archive's lifecycle writes it.
  const district = await Store.open(districtDir)
  t.teardown(async () => await district.close())
  const districtLog = await ArchiveLog.open(district, await loadOrCreateNodeKey(districtDir))
  await districtLog.append({ type: 'record.validity', recordId: revoked.id, unit: '622', data: { validity: { state: 'revoked', reason: 'thu hồi', at: new Date().toISOString(), by: 'reviewer1' }, by: 'reviewer1' } })
  const entries = (await districtLog.entries(1, 100)).map(e => ({ seq: e.seq, envelope: new Uint8Array(e.envelope) }))

  // The province: the district registered, its files copied (as the sync protocol does), its entries checked and committed.
  const province = await Store.open(provinceDir)
  t.teardown(async () => await province.close())
  const units = new Units(province)
  await units.seed()
  const search = createSearchService(province.searchIndex)
  const partial = new PartialFiles(province.files, provinceDir)
  await partial.init()
  t.teardown(async () => await partial.close())
  const sink = new ProvinceReplicas({ store: province, search, units, partial, peerId: 'province', logger: createLogger('silent'), maxFileBytes: 100 * 1024 * 1024, partialBytesPerDistrict: 200 * 1024 * 1024 })
  await sink.addPeer(seeded.peerId, '622')
  for (const r of seeded.records) for (const f of r.files) await province.files.put(await district.files.read(f.sha256))
  const checked = await sink.check(seeded.peerId, entries)
  t.equal(checked.accepted.length, entries.length, 'the province accepts the district\'s log')
  await sink.commit(seeded.peerId, checked.accepted)

  // One replica's PDF is missing from the shared file store (a lost file): it cannot be handed out.
  const missingPdf = validLater
  const pdfOf = (r: typeof valid): { sha256: string, size: number } => r.files.find(f => f.role === 'pdf')!
  await rm(province.files.path(pdfOf(missingPdf).sha256))

  const key = await loadOrCreateNodeKey(provinceDir)
  const links = FileLinkSigner.fromNodeKey(key, 'https://tinh.example.vn')
  const lookup = new ResultLookup({ store: province, search, links })
  const found = await lookup.find({ subjectId: '064 190 001 234' })
  t.same(found.map(r => r.recordId), [valid.id], 'only the valid replica whose PDF is here (not revoked, not past validUntil, not another person, not the lost file)')
  const [result] = found
  t.match(result, {
    unit: '622', documentNumber: '101/GPXD-UBND', issuedDate: '2023-05-05', issuer: 'UBND THÀNH PHỐ PLEIKU', validity: { state: 'valid' },
    files: [{ name: `${valid.id}.pdf`, sha256: pdfOf(valid).sha256, url: /^https:\/\/tinh\.example\.vn\/api\/v1\/integration\/files\/r_/ }]
  })
  t.equal(result.archiveId, `622.${valid.id}`, 'the archive id the district\'s log gave')

  const served = await lookup.servable(valid.id)
  t.ok(served, 'the link opens the replica\'s PDF')
  const bytes = await province.files.read(served!.sha256)
  t.equal(createHash('sha256').update(bytes).digest('hex'), pdfOf(valid).sha256)
  t.same(bytes, await district.files.read(pdfOf(valid).sha256), 'byte for byte the district\'s PDF')
  t.equal(await lookup.servable(revoked.id), null, 'a revoked replica is not served')
  t.equal(await lookup.servable(pastValidUntil.id), null, 'nor one past its validUntil')
  t.equal(await lookup.servable(missingPdf.id), null, 'nor one whose PDF is not here')
  t.equal((await lookup.find({ documentNumber: '104/gpxd - ubnd' }))[0]?.recordId, otherPerson.id, 'by document number, across the replicas')
  t.same(await lookup.find({ subjectId: PERSON, resultTypeCode: 'KQ.X' }), [], 'a result type the replica does not have')
  t.same((await lookup.find({ subjectId: SPOUSE })).map(r => r.recordId), [valid.id], 'a co-holder\'s ID finds the replica too (its log entry names both)')
})
