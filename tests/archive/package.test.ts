import t from 'tap'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { SaxesParser } from 'saxes'
import { checkFixityAndRecord, verifyEnvelope } from '../../appliance/src/archive/log/index.js'
import { buildPackage, packageBuffer, packageInputOf, type PackageInput } from '../../appliance/src/archive/package/index.js'
import { CORPUS } from '../helpers/tmp.js'
import { unzip } from '../helpers/zip.js'
import { archiveRecord, flipFileByte, openArchive } from './log-fixture.js'

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

interface Element { name: string, attrs: Record<string, string>, text: string }

/** Strict, namespace-aware parse (saxes: an error on anything not well-formed); every element with its text. */
function parseXml (bytes: Buffer): Element[] {
  const parser = new SaxesParser({ xmlns: true })
  const elements: Element[] = []
  const open: Element[] = []
  parser.on('error', (err) => { throw err })
  parser.on('opentag', (node) => {
    const e: Element = { name: node.name, attrs: Object.fromEntries(Object.entries(node.attributes).map(([k, a]) => [k, a.value])), text: '' }
    elements.push(e)
    open.push(e)
  })
  parser.on('text', (text) => { if (open.length > 0) open[open.length - 1].text += text })
  parser.on('closetag', () => { open.pop() })
  parser.write(bytes.toString('utf8')).close()
  return elements
}

t.test('an archival package from real stored files: METS checksums match, XML is well-formed, PREMIS and DC complete', async t => {
  const a = await openArchive(t)
  const masters = [await readFile(join(CORPUS, '0000.jpg')), await readFile(join(CORPUS, '0003.jpg'))]
  const fields = {
    documentType: 'GIẤY PHÉP XÂY DỰNG',
    documentNumber: '1470/GPXD-UBND',
    issuedDate: '2019-05-14',
    issuer: 'UBND HUYỆN CHƯ SÊ',
    summary: 'Xây nhà <ở> & "kinh doanh" \'hộ gia đình\'\u0001 ]]> \ud800',
    subjectName: null
  }
  const parties = [{ role: 'establishment', name: 'Quán ăn Phúc' }, { role: 'owner', name: 'Hoàng Hữu Quang', idNumber: '064333325602', birthDate: '1990-02-28' }]
  const { record } = await archiveRecord(a, { masters, fields, parties })
  await a.archiveLog.append({ type: 'record.validity', recordId: record.id, unit: record.unit, data: { validity: { state: 'valid' } } })
  await checkFixityAndRecord({ store: a.store, archiveLog: a.archiveLog })

  const input = await packageInputOf({ store: a.store, archiveLog: a.archiveLog, recordId: record.id, unitName: 'Huyện Chư Sê', software: { name: 'sohoa', version: '0.1.0' } })
  t.same(input.files.map(f => [f.path, f.role]), [
    ['representations/rep1/data/page-001.jpg', 'master'],
    ['representations/rep1/data/page-002.jpg', 'master'],
    ['representations/rep1/data/H21.12-190514-0001.01.pdf', 'pdf'],
    ['representations/rep1/data/ocr-text.json', 'text']
  ])
  const started = performance.now()
  const zip = await packageBuffer(input)
  const ms = performance.now() - started
  const files = await unzip(zip)
  const root = `SH-622-${record.id.slice(2)}`
  t.ok([...files.keys()].every(k => k.startsWith(`${root}/`)), 'one root folder named by the archive id')
  const at = (path: string): Buffer => {
    const b = files.get(`${root}/${path}`)
    if (!b) throw new Error(`missing ${path}`)
    return b
  }

  // Well-formed, namespace-correct XML, whatever the fields held.
  const metsXml = parseXml(at('METS.xml'))
  const dc = parseXml(at('metadata/descriptive/dc.xml'))
  const premis = parseXml(at('metadata/preservation/premis.xml'))

  // Every listed file and metadata reference: its bytes have the listed SHA-256 and size.
  const listed = metsXml.filter(e => e.name === 'mets:file' || e.name === 'mets:mdRef')
  const hrefOf = (e: Element): string => e.name === 'mets:mdRef' ? e.attrs['xlink:href'] : metsXml[metsXml.indexOf(e) + 1].attrs['xlink:href']
  const seen = new Set<string>()
  for (const e of listed) {
    const path = decodeURIComponent(hrefOf(e))
    const bytes = at(path)
    t.equal(e.attrs.CHECKSUMTYPE, 'SHA-256')
    t.equal(e.attrs.CHECKSUM, sha256(bytes), `${path}: SHA-256 matches the bytes`)
    t.equal(Number(e.attrs.SIZE), bytes.byteLength, `${path}: size`)
    t.ok(e.attrs.MIMETYPE, `${path}: MIME type`)
    seen.add(path)
  }
  t.same([...files.keys()].map(k => k.slice(root.length + 1)).filter(p => p !== 'METS.xml').sort(), [...seen].sort(), 'every file in the package is listed, once')
  t.same(at('representations/rep1/data/page-001.jpg'), masters[0], 'masters byte for byte')
  t.equal(metsXml.filter(e => e.name === 'mets:file').length, 4)
  t.match(metsXml[0], { name: 'mets:mets', attrs: { OBJID: root, PROFILE: /E-ARK-CSIP/ } })
  t.match(metsXml.find(e => e.name === 'mets:metsHdr'), { attrs: { 'csip:OAISPACKAGETYPE': 'AIP' } })
  t.ok(metsXml.some(e => e.name === 'mets:mdRef' && e.attrs.MDTYPE === 'DC'), 'dmdSec references the Dublin Core')
  t.ok(metsXml.some(e => e.name === 'mets:mdRef' && e.attrs.MDTYPE === 'PREMIS'), 'digiprovMD references PREMIS')
  t.equal(metsXml.filter(e => e.name === 'mets:fptr').length, 4, 'structMap points at every data file')

  // Dublin Core carries the fields, escaped and read back intact (a character XML cannot hold becomes U+FFFD).
  const dcText = (name: string): string | undefined => dc.find(e => e.name === name)?.text
  t.equal(dcText('dc:identifier'), root)
  t.equal(dcText('dc:title'), 'GIẤY PHÉP XÂY DỰNG 1470/GPXD-UBND')
  t.equal(dcText('dc:creator'), 'UBND HUYỆN CHƯ SÊ')
  t.equal(dcText('dc:date'), '2019-05-14')
  t.equal(dcText('dc:description'), 'Xây nhà <ở> & "kinh doanh" \'hộ gia đình\'\ufffd ]]> \ufffd')
  t.equal(dc.find(e => e.name === 'sohoa:field' && e.attrs.name === 'subjectName')?.text, '')
  t.equal(dc.find(e => e.name === 'sohoa:code' && e.attrs.name === 'dossierCode')?.text, 'H21.12-190514-0001')
  t.equal(dcText('sohoa:unit'), 'Huyện Chư Sê')
  t.same(dc.filter(e => e.name === 'sohoa:party').map(e => [e.attrs.role, e.text, e.attrs.idNumber, e.attrs.birthDate]),
    [['establishment', 'Quán ăn Phúc', undefined, undefined], ['owner', 'Hoàng Hữu Quang', '064333325602', '1990-02-28']], 'every party, with its role')

  // PREMIS: each file with its fixity, every event with its agent.
  const digests = premis.filter(e => e.name === 'premis:messageDigest').map(e => e.text)
  t.same(digests.sort(), input.files.map(f => f.sha256).sort())
  const events = premis.filter(e => e.name === 'premis:eventType').map(e => e.text)
  t.same(events, input.events.map(e => e.type))
  for (const type of ['capture', 'ocr', 'approval', 'signature', 'fixity']) t.ok(events.includes(type), `event ${type}`)
  const agentTypes = Object.fromEntries(premis.filter(e => e.name === 'premis:agentName').map((e, i) => [e.text, premis.filter(x => x.name === 'premis:agentType')[i].text]))
  t.match(agentTypes, { 'tesseract.js 7': 'software', reviewer1: 'person', 'UBND HUYỆN CHƯ SÊ': 'organization', system: 'software' })
  t.ok(premis.some(e => e.name === 'premis:agentIdentifierValue' && e.text === a.key.peerId), 'the node that signs the log is an agent')

  // The log entries travel byte for byte and verify against the node's peer ID alone.
  const entries = await a.archiveLog.forRecord(record.id)
  t.equal(entries.length, 2)
  for (const e of entries) {
    const bytes = at(`metadata/preservation/log/${String(e.seq).padStart(12, '0')}.json`)
    t.same(bytes, Buffer.from(e.envelope))
    t.equal(verifyEnvelope(bytes, { expectedSeq: e.seq, peerId: a.key.peerId }).recordId, record.id)
  }
  t.ok(ms < 10_000, `built in ${ms.toFixed(0)} ms (${(zip.byteLength / 1e6).toFixed(1)} MB)`)
})

t.test('a stored file that changed aborts the package; unsafe paths are refused', async t => {
  const a = await openArchive(t)
  const { record } = await archiveRecord(a)
  const input = await packageInputOf({ store: a.store, archiveLog: a.archiveLog, recordId: record.id })
  await flipFileByte(a.store, record.pdf!.sha256, 50)
  await t.rejects(packageBuffer(input), { code: 'FILE_INTEGRITY', details: { sha256: record.pdf!.sha256 } })
  await flipFileByte(a.store, record.pdf!.sha256, 50)
  t.ok((await packageBuffer(input)).byteLength > 0, 'intact again: builds')

  const withPath = (path: string): PackageInput => ({ ...input, files: [{ ...input.files[0], path }] })
  for (const path of ['../escape.jpg', '/abs.jpg', 'a//b.jpg', 'METS.xml', 'metadata/descriptive/dc.xml', 'a\\b.jpg', 'x/./y']) {
    t.throws(() => buildPackage(withPath(path)), { code: 'VALIDATION' }, `refused: ${path}`)
  }
  const unreadable: PackageInput = { ...input, files: [{ ...input.files[0], read: () => Readable.from((async function * () { yield Buffer.from('x'); throw new Error('disk gone') })()) }] }
  await t.rejects(packageBuffer(unreadable), { code: 'FILE_INTEGRITY' }, 'a read error ends the stream with an error')
  await t.rejects(packageInputOf({ store: a.store, archiveLog: a.archiveLog, recordId: 'r_nope' }), { code: 'RECORD_NOT_FOUND' })
})
