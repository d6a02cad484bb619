/**
 * The document's metadata, written twice from one source so they never disagree: the XMP packet (PDF/A
 * identification, Dublin Core, xmp, pdf, xmpMM, and sohoa's own schema with the record's fields, declared through
 * the PDF/A extension schema container as ISO 19005-2 6.6.2.3 requires) and the Info dictionary. Every date is the
 * same instant written in Vietnam time (+07:00), and the trailer /ID is derived from the content.
 */
import { createHash } from 'node:crypto'
import { PDFDict, PDFHexString, PDFName, PDFString, type PDFDocument } from 'pdf-lib'
import type { ArchivalMetadata } from './types.js'

/** Namespace of sohoa's XMP schema: an opaque URN, so it never depends on a domain name. */
export const SOHOA_XMP_NS = 'urn:sohoa:xmp:record:1.0#'
export const SOHOA_XMP_PREFIX = 'sohoa'

const VIETNAM_OFFSET_MS = 7 * 3600_000

/** ISO 8601 with the Vietnam offset, to the second: `2026-11-28T10:15:00+07:00`. */
export function vietnamTime (when: Date): string {
  return new Date(when.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 19) + '+07:00'
}

/** The same instant as a PDF date string: `D:20261128101500+07'00'`. */
export function pdfDate (when: Date): string {
  const s = vietnamTime(when)
  return `D:${s.slice(0, 4)}${s.slice(5, 7)}${s.slice(8, 10)}${s.slice(11, 13)}${s.slice(14, 16)}${s.slice(17, 19)}+07'00'`
}

interface Described {
  title: string
  creator: string
  publisher: string
  description: string | null
  type: string | null
  date: string | null
  language: string
  /** sohoa:<name> → value, in a stable order. */
  own: Array<[string, string]>
}

const XML_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/

function present (v: string | null | undefined): string | null {
  if (typeof v !== 'string') return null
  const t = v.normalize('NFC').trim()
  return t === '' ? null : t
}

function describe (m: ArchivalMetadata): Described {
  const fields = m.fields ?? {}
  const issuer = present(m.issuer) ?? present(fields.issuer)
  const own = new Map<string, string>()
  const put = (k: string, v: string | null | undefined): void => { const p = present(v); if (p !== null && XML_NAME.test(k)) own.set(k, p) }
  for (const [k, v] of Object.entries(fields).sort(([a], [b]) => a.localeCompare(b))) put(k, v)
  // The fixed facts win over a field of the same name.
  put('archiveId', m.archiveId)
  put('unit', m.unit)
  put('dossierCode', m.dossierCode)
  put('copyingAgency', m.agency)
  put('issuer', issuer)
  put('documentType', m.documentType ?? fields.documentType)
  put('documentNumber', m.documentNumber ?? fields.documentNumber)
  put('issuedDate', m.issuedDate ?? fields.issuedDate)
  const date = present(m.issuedDate) ?? present(fields.issuedDate)
  return {
    title: present(m.title) ?? m.archiveId,
    creator: issuer ?? m.agency,
    publisher: m.agency,
    description: present(m.summary) ?? present(fields.summary),
    type: present(m.documentType) ?? present(fields.documentType),
    date: date !== null && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : null,
    language: present(m.language) ?? 'vi',
    own: [...own.entries()]
  }
}

function esc (s: string): string {
  // XML 1.0 allows neither C0 controls (but tab, LF, CR) nor lone surrogates.
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function uuidOf (...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex')
  return `uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

export function xmpPacket (m: ArchivalMetadata, producer: string, when: Date): string {
  const d = describe(m)
  const t = vietnamTime(when)
  const alt = (v: string): string => `<rdf:Alt><rdf:li xml:lang="x-default">${esc(v)}</rdf:li></rdf:Alt>`
  const one = (container: 'Seq' | 'Bag', v: string): string => `<rdf:${container}><rdf:li>${esc(v)}</rdf:li></rdf:${container}>`
  const lines = [
    '<pdfaid:part>2</pdfaid:part>',
    '<pdfaid:conformance>B</pdfaid:conformance>',
    '<dc:format>application/pdf</dc:format>',
    `<dc:title>${alt(d.title)}</dc:title>`,
    `<dc:creator>${one('Seq', d.creator)}</dc:creator>`,
    `<dc:publisher>${one('Bag', d.publisher)}</dc:publisher>`,
    `<dc:identifier>${esc(m.archiveId)}</dc:identifier>`,
    `<dc:language>${one('Bag', d.language)}</dc:language>`,
    ...(d.description !== null ? [`<dc:description>${alt(d.description)}</dc:description>`] : []),
    ...(d.type !== null ? [`<dc:type>${one('Bag', d.type)}</dc:type>`] : []),
    ...(d.date !== null ? [`<dc:date>${one('Seq', d.date)}</dc:date>`] : []),
    `<xmp:CreateDate>${t}</xmp:CreateDate>`,
    `<xmp:ModifyDate>${t}</xmp:ModifyDate>`,
    `<xmp:MetadataDate>${t}</xmp:MetadataDate>`,
    `<xmp:CreatorTool>${esc(producer)}</xmp:CreatorTool>`,
    `<pdf:Producer>${esc(producer)}</pdf:Producer>`,
    `<xmpMM:DocumentID>${uuidOf('document', m.archiveId)}</xmpMM:DocumentID>`,
    `<xmpMM:InstanceID>${uuidOf('instance', m.archiveId, t)}</xmpMM:InstanceID>`,
    ...d.own.map(([k, v]) => `<${SOHOA_XMP_PREFIX}:${k}>${esc(v)}</${SOHOA_XMP_PREFIX}:${k}>`)
  ]
  const properties = d.own.map(([k]) => '<rdf:li rdf:parseType="Resource">' +
    `<pdfaProperty:name>${k}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>` +
    `<pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>${esc(describeProperty(k))}</pdfaProperty:description>` +
    '</rdf:li>')
  const extension = [
    '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">',
    '<pdfaSchema:schema>sohoa: a digitized administrative-procedure result</pdfaSchema:schema>',
    `<pdfaSchema:namespaceURI>${SOHOA_XMP_NS}</pdfaSchema:namespaceURI>`,
    `<pdfaSchema:prefix>${SOHOA_XMP_PREFIX}</pdfaSchema:prefix>`,
    `<pdfaSchema:property><rdf:Seq>${properties.join('')}</rdf:Seq></pdfaSchema:property>`,
    '</rdf:li></rdf:Bag></pdfaExtension:schemas>'
  ]
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about=""' +
      ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"' +
      ' xmlns:dc="http://purl.org/dc/elements/1.1/"' +
      ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"' +
      ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"' +
      ' xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"' +
      ` xmlns:${SOHOA_XMP_PREFIX}="${SOHOA_XMP_NS}">`,
    ...lines,
    '</rdf:Description>',
    '<rdf:Description rdf:about=""' +
      ' xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"' +
      ' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"' +
      ' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">',
    ...extension,
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    // Room for an in-place edit of the packet, as the XMP specification recommends.
    ...Array.from({ length: 8 }, () => ' '.repeat(99)),
    '<?xpacket end="w"?>'
  ].join('\n')
}

const PROPERTY_DESCRIPTIONS: Record<string, string> = {
  archiveId: 'Archive identifier of the record (mã lưu trữ)',
  unit: 'Statistics code of the administrative unit that holds the record',
  dossierCode: 'Dossier code (mã hồ sơ, TT 01/2018/TT-VPCP)',
  copyingAgency: 'Agency that made and signed this copy (cơ quan sao y)',
  issuer: 'Issuing body of the document (cơ quan ban hành)',
  documentType: 'Document type (tên loại văn bản)',
  documentNumber: 'Number and notation (số, ký hiệu)',
  issuedDate: 'Date of issue, YYYY-MM-DD (ngày ban hành)',
  summary: 'Summary (trích yếu)',
  signer: 'Signer (người ký)',
  signerTitle: 'Signer\'s title (chức vụ người ký)',
  subjectName: 'Person or organisation the result is for',
  subjectId: 'Personal identification number of that person',
  validUntil: 'Valid until, YYYY-MM-DD'
}

function describeProperty (name: string): string {
  return PROPERTY_DESCRIPTIONS[name] ?? `Record field ${name}`
}

/** Writes the Info dictionary, the XMP stream and the trailer /ID. `contentDigest` identifies the pages' content. */
export function applyMetadata (doc: PDFDocument, m: ArchivalMetadata, producer: string, when: Date, contentDigest: string): void {
  const d = describe(m)
  doc.setTitle(d.title)
  doc.setAuthor(d.creator)
  if (d.description !== null) doc.setSubject(d.description)
  doc.setCreator(producer)
  doc.setProducer(producer)
  const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict)
  info.set(PDFName.of('CreationDate'), PDFString.of(pdfDate(when)))
  info.set(PDFName.of('ModDate'), PDFString.of(pdfDate(when)))
  const xmp = Buffer.from(xmpPacket(m, producer, when), 'utf8')
  // Uncompressed, so that tools which do not parse PDF can still find the packet.
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(doc.context.stream(xmp, { Type: 'Metadata', Subtype: 'XML' })))
  const id = createHash('md5').update(contentDigest).update(m.archiveId).update(pdfDate(when)).digest('hex')
  doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of(id), PDFHexString.of(id)])
}
