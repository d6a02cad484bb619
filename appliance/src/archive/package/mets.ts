/**
 * `METS.xml`, the package's map in the spirit of E-ARK CSIP: the header names the package (OBJID = archive id, an
 * AIP) and the software that made it; dmdSec points at the Dublin Core, amdSec at PREMIS and at each signed log
 * entry; fileSec lists every data file with its SHA-256, size and MIME type; structMap ties them together. Every
 * reference carries a checksum, so the package can be checked with nothing but this file and a SHA-256 tool.
 */
import type { PackageInput } from './types.js'
import { xmlDocument, xmlId, type XmlNode } from './xml.js'
import { recordTitle } from './dublin-core.js'

const NS = {
  mets: 'http://www.loc.gov/METS/',
  xlink: 'http://www.w3.org/1999/xlink',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  csip: 'https://DILCIS.eu/XML/METS/CSIPExtensionMETS'
}

/** A metadata file the METS points at (Dublin Core, PREMIS, a log entry). */
export interface MetadataFile {
  id: string
  path: string
  bytes: Buffer
  sha256: string
  mime: string
  mdType: 'DC' | 'PREMIS' | 'OTHER'
  otherMdType?: string
}

/** xlink:href of a package path: each segment percent-encoded, `/` kept. */
export const href = (path: string): string => path.split('/').map(encodeURIComponent).join('/')

/** The fileGrp a data file belongs to: `Representations/<rep>/Data` for `representations/<rep>/data/…`. */
export function fileGroupOf (path: string): string {
  const m = /^representations\/([^/]+)\/data\//.exec(path)
  return m ? `Representations/${m[1]}/Data` : 'Other'
}

export function mets (input: PackageInput, descriptive: MetadataFile, preservation: MetadataFile[], createdAt: Date): Buffer {
  const { record, files } = input
  const created = createdAt.toISOString()
  const software = input.software ?? { name: 'sohoa', version: '' }
  const mdRef = (m: MetadataFile): XmlNode => ['mets:mdRef', {
    LOCTYPE: 'URL', 'xlink:type': 'simple', 'xlink:href': href(m.path), MDTYPE: m.mdType, OTHERMDTYPE: m.otherMdType,
    MIMETYPE: m.mime, SIZE: m.bytes.byteLength, CREATED: created, CHECKSUM: m.sha256, CHECKSUMTYPE: 'SHA-256'
  }]
  const groups = new Map<string, Array<{ id: string, file: PackageInput['files'][number] }>>()
  files.forEach((file, i) => {
    const use = fileGroupOf(file.path)
    if (!groups.has(use)) groups.set(use, [])
    groups.get(use)!.push({ id: xmlId('file', i + 1), file })
  })
  const groupList = [...groups]
  return xmlDocument(['mets:mets', {
    'xmlns:mets': NS.mets, 'xmlns:xlink': NS.xlink, 'xmlns:xsi': NS.xsi, 'xmlns:csip': NS.csip,
    'xsi:schemaLocation': `${NS.mets} http://www.loc.gov/standards/mets/mets.xsd`,
    OBJID: record.archiveId, LABEL: recordTitle(record), TYPE: 'OTHER', 'csip:OTHERTYPE': 'Administrative procedure result',
    'csip:CONTENTINFORMATIONTYPE': 'OTHER', 'csip:OTHERCONTENTINFORMATIONTYPE': 'sohoa record',
    PROFILE: 'https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml'
  },
  ['mets:metsHdr', { CREATEDATE: created, RECORDSTATUS: 'NEW', 'csip:OAISPACKAGETYPE': 'AIP' },
    ['mets:agent', { ROLE: 'CREATOR', TYPE: 'OTHER', OTHERTYPE: 'SOFTWARE' },
      ['mets:name', undefined, software.name],
      software.version ? ['mets:note', { 'csip:NOTETYPE': 'SOFTWARE VERSION' }, software.version] : null]],
  ['mets:dmdSec', { ID: descriptive.id, CREATED: created }, mdRef(descriptive)],
  ['mets:amdSec', undefined, ...preservation.map((m): XmlNode => ['mets:digiprovMD', { ID: m.id }, mdRef(m)])],
  ['mets:fileSec', { ID: 'filesec' },
    ...groupList.map(([use, list], g): XmlNode => ['mets:fileGrp', { ID: xmlId('filegrp', g + 1), USE: use },
      ...list.map(({ id, file }): XmlNode => ['mets:file', {
        ID: id, MIMETYPE: file.mime, SIZE: file.size, CREATED: created, CHECKSUM: file.sha256, CHECKSUMTYPE: 'SHA-256', USE: file.role
      }, ['mets:FLocat', { LOCTYPE: 'URL', 'xlink:type': 'simple', 'xlink:href': href(file.path) }]])])],
  ['mets:structMap', { ID: 'structmap', TYPE: 'PHYSICAL', LABEL: 'CSIP' },
    ['mets:div', { ID: 'div-root', LABEL: record.archiveId },
      ['mets:div', { ID: 'div-metadata', LABEL: 'Metadata', DMDID: descriptive.id, ADMID: preservation.map(m => m.id).join(' ') || undefined }],
      ...groupList.map(([use, list], g): XmlNode => ['mets:div', { ID: xmlId('div', g + 1), LABEL: use },
        ...list.map(({ id }): XmlNode => ['mets:fptr', { FILEID: id }])])]]
  ])
}
