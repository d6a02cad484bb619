/**
 * `metadata/descriptive/dc.xml`: the record in Dublin Core (the elements a catalogue anywhere understands), plus
 * every field, code and archival fact in a sohoa namespace so nothing the record carries is lost in the mapping.
 */
import type { PackageRecord } from './types.js'
import { xmlDocument, type XmlNode } from './xml.js'

export const NS = {
  dc: 'http://purl.org/dc/elements/1.1/',
  dcterms: 'http://purl.org/dc/terms/',
  sohoa: 'urn:sohoa:record:1'
} as const

export function recordTitle (record: PackageRecord): string {
  const title = [record.fields.documentType, record.fields.documentNumber].filter(Boolean).join(' ')
  return title || record.archiveId
}

export function dublinCore (record: PackageRecord): Buffer {
  const f = (name: string): string | null => record.fields[name] ?? null
  const el = (name: string, value: string | null | undefined, attrs?: Record<string, string>): XmlNode =>
    value ? [name, attrs, value] : null
  return xmlDocument(['sohoa:record', { 'xmlns:dc': NS.dc, 'xmlns:dcterms': NS.dcterms, 'xmlns:sohoa': NS.sohoa },
    el('dc:identifier', record.archiveId),
    el('dc:title', recordTitle(record)),
    el('dc:type', f('documentType')),
    el('dc:creator', f('issuer')),
    el('dc:contributor', f('signer')),
    el('dc:date', f('issuedDate')),
    el('dcterms:issued', f('issuedDate')),
    el('dcterms:valid', f('validUntil')),
    el('dc:description', f('summary')),
    el('dc:publisher', record.unitName ?? record.unit),
    el('dc:language', 'vi'),
    el('dc:format', 'application/pdf'),
    el('dc:relation', record.codes?.dossierCode ?? null),
    el('sohoa:recordId', record.id),
    ['sohoa:unit', { code: record.unit }, record.unitName ?? record.unit],
    el('sohoa:status', record.status),
    el('sohoa:validity', record.validity),
    el('sohoa:retention', record.retention),
    el('sohoa:createdAt', record.createdAt),
    el('sohoa:approvedBy', record.approvedBy),
    el('sohoa:approvedAt', record.approvedAt),
    el('sohoa:archivedAt', record.archivedAt),
    ['sohoa:fields', undefined, ...Object.keys(record.fields).sort().map((name): XmlNode => ['sohoa:field', { name }, record.fields[name] ?? ''])],
    ['sohoa:parties', undefined, ...(record.parties ?? []).map((p): XmlNode => ['sohoa:party', { role: p.role, ...(p.idNumber ? { idNumber: p.idNumber } : {}), ...(p.birthDate ? { birthDate: p.birthDate } : {}) }, p.name])],
    ['sohoa:codes', undefined, ...Object.keys(record.codes ?? {}).sort().map((name): XmlNode => ['sohoa:code', { name }, record.codes?.[name] ?? ''])]
  ])
}
