/**
 * Reads every key field of one record from its pages' OCR words. The head (issuer, number, date, type, summary)
 * is read on the first page that has one, the signature block on the last page that has one, the parties, the
 * subject, the ID and the validity anywhere. Readings of the issuer, the type and the signer's position are
 * snapped to what the node knows (`known`, passed in by the caller). Pure and synchronous: about 1-2 ms of CPU
 * per page (tests/bench/fields.bench.ts).
 */
import type { PageText } from '../store/index.js'
import { missing, snapField, toField } from './field.js'
import { dateField, findHeader, placeDateField, issuerField, numberField, titleFields, type Header } from './header.js'
import { layoutPage, type PageLayout } from './layout.js'
import { partiesField, partiesOf } from './parties.js'
import { checkPersonalId } from './personal-id.js'
import { signatureFields } from './signature.js'
import { POSITIONS } from './snap.js'
import { subjectIdField, subjectNameField } from './subject.js'
import { FIELD_NAMES, type ExtractedFields, type KnownLists } from './types.js'
import { validUntilField } from './validity.js'

/** A head with at least two of national name, number and date counts as the document's first page. */
const HEAD_FOUND = 0.6

export function extractFields (pages: PageText[], known: KnownLists = {}): ExtractedFields {
  const fields = Object.fromEntries(FIELD_NAMES.map(n => [n, missing()])) as unknown as ExtractedFields
  fields.parties = { value: [], confidence: 0, boxes: [] }
  if (!Array.isArray(pages) || pages.length === 0) return fields
  const layouts = pages.map((p, i) => layoutPage(p, i))
  const header = headerOf(layouts)

  const number = header ? numberField(header) : null
  const issued = (header ? dateField(header) : null) ?? placeDateField(layouts)
  const title = header ? titleFields(header) : { type: null, summary: null }
  const signature = signatureFields(layouts, header)
  const signer = signature.signer?.value ?? null

  fields.documentType = snapField(toField(title.type), known.documentTypes ?? [], 'documentTypes', 'keepRest')
  fields.documentNumber = toField(number)
  fields.issuedDate = toField(issued)
  fields.issuer = snapField(toField(header ? issuerField(header) : null), known.issuers ?? [], 'issuers', 'keepRest')
  fields.summary = toField(title.summary)
  fields.signer = toField(signature.signer)
  fields.signerTitle = snapField(toField(signature.signerTitle), known.positions ?? POSITIONS, 'positions', 'dropRest')

  const parties = partiesOf(layouts, fields.documentType.value, title.summary, signer)
  fields.parties = partiesField(parties.parties)
  const main = parties.main && parties.main.party.role !== 'establishment' && parties.main.party.role !== 'enterprise' ? parties.main : null
  if (main) {
    // The main party is the subject: its name, and its ID when it has one printed with it.
    fields.subjectName = toField({ value: main.party.name, used: main.used.slice(0, 1), structure: main.structure, person: true })
    if (main.party.idNumber) {
      const warnings = checkPersonalId(main.party.idNumber)
      fields.subjectId = toField({ value: main.party.idNumber, used: main.used.slice(1), structure: main.structure * (warnings.length ? 0.9 : 1), ...(warnings.length ? { warnings } : {}) })
    } else {
      fields.subjectId = toField(subjectIdField(layouts, main.line, number?.value ?? null))
    }
  }
  if (fields.subjectName.value === null) {
    const subject = subjectNameField(layouts, signer)
    fields.subjectName = toField(subject.reading)
    fields.subjectId = toField(subjectIdField(layouts, subject.line, number?.value ?? null))
  }
  fields.validUntil = toField(validUntilField(layouts, issued?.value ?? null))
  return fields
}

function headerOf (layouts: PageLayout[]): Header | null {
  let best: Header | null = null
  for (const layout of layouts) {
    if (layout.lines.length === 0) continue
    const h = findHeader(layout)
    if (h.score >= HEAD_FOUND) return h
    if (!best || h.score > best.score) best = h
  }
  return best
}
