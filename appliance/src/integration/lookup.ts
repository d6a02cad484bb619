/**
 * Result lookup for reuse: the valid, archived results of a person (by personal ID) or of a document number, with
 * signed, expiring links to their signed PDFs. Candidates come from the search index's exact filters (status
 * archived, validity valid, personal ID, number), so a lookup never walks the archive; each candidate is then read
 * from the store and checked again, because the index follows a validity change a moment later than the record.
 *
 * On a province node the index also holds the districts' replica records (see replica/province.ts): those are
 * answered from what the district's log said of them, when their PDF is in the shared file store.
 */
import { AppError } from '../errors/index.js'
import { vietnamToday } from '../archive/index.js'
import { archiveIdOf } from '../records/index.js'
import { documentNumberKey, type SearchService } from '../search/index.js'
import { subjectKeyOf, type RecordCodes, type RecordEntry, type ReplicaRecord, type Store } from '../store/index.js'
import type { FileLinkSigner } from './signed-url.js'

/** A result type and/or number a caller wants; the national form sends a list of them. */
export interface LookupCriterion {
  resultTypeCode?: string
  documentNumber?: string
}

export interface LookupQuery extends LookupCriterion {
  subjectId?: string
  /** A result fits when it fits any one of these (and the fields above); absent or empty: no such restriction. */
  anyOf?: LookupCriterion[]
}

export interface LookupFile {
  name: string
  sha256: string
  url: string
  /** ISO 8601 UTC. */
  expiresAt: string
}

export interface LookupResult {
  archiveId: string
  recordId: string
  unit: string
  agencyCode: string | null
  documentType: string | null
  documentNumber: string | null
  /** ISO `YYYY-MM-DD` as read from the paper. */
  issuedDate: string | null
  issuer: string | null
  resultTypeCode: string | null
  procedureCode: string | null
  dossierCode: string | null
  validity: { state: 'valid' }
  validUntil: string | null
  files: LookupFile[]
}

/** The stored PDF a link may open. */
export interface ServableFile {
  sha256: string
  size: number
  filename: string
}

/** An archived result as a lookup needs it, from this node's records or from a district's replica. */
interface ArchivedResult {
  recordId: string
  unit: string
  archiveId: string
  fields: Record<string, string | null>
  /** The personal IDs of everyone the result names (the main subject's too). */
  subjectIds: string[]
  codes: RecordCodes | null
  validity: string
  pdf: ServableFile
}

/** More than any one person holds; the search caps a page at 1000. */
export const MAX_LOOKUP_RESULTS = 200

export interface ResultLookupOptions {
  store: Store
  search: SearchService
  links: FileLinkSigner
}

export class ResultLookup {
  constructor (private readonly opts: ResultLookupOptions) {}

  /** The valid, archived results that fit, newest first. VALIDATION when neither an ID nor a number is given. */
  async find (query: LookupQuery, opts: { now?: Date } = {}): Promise<LookupResult[]> {
    const subject = query.subjectId === undefined ? undefined : subjectKeyOf(query.subjectId)
    const number = query.documentNumber === undefined ? undefined : documentNumberKey(query.documentNumber)
    if (subject === '' || number === '') throw new AppError('VALIDATION', { problems: [subject === '' ? 'subjectId has no digits' : 'documentNumber is empty'] })
    if (subject === undefined && number === undefined) throw new AppError('VALIDATION', { problems: ['subjectId or documentNumber is required'] })
    const now = opts.now ?? new Date()
    const today = vietnamToday(now.getTime())
    const hits = await this.opts.search.search('', {
      statuses: ['archived'],
      validity: ['valid'],
      ...(subject !== undefined ? { subjectId: subject } : {}),
      ...(number !== undefined ? { documentNumber: number } : {}),
      limit: MAX_LOOKUP_RESULTS
    })
    const replicas = await this.replicaIds()
    const out: LookupResult[] = []
    for (const hit of hits.results) {
      const result = await this.resolve(hit.recordId, hit.replica !== undefined ? [hit.replica] : replicas, hit.replica === undefined)
      if (!result || !currentlyValid(result, today) || !fits(result, query)) continue
      out.push(this.describe(result, now))
    }
    return out
  }

  /**
   * The PDF a signed link of this record opens, while the record is an archived, not deleted, currently valid
   * result; null once it is not (revoked, replaced, expired, deleted, or unknown here).
   */
  async servable (recordId: string, now = new Date()): Promise<ServableFile | null> {
    const result = await this.resolve(recordId, await this.replicaIds())
    return result && currentlyValid(result, vietnamToday(now.getTime())) ? result.pdf : null
  }

  private describe (r: ArchivedResult, now: Date): LookupResult {
    const field = (name: string): string | null => r.fields[name] ?? null
    const link = this.opts.links.link(r.recordId, r.pdf.filename, { now })
    return {
      archiveId: r.archiveId,
      recordId: r.recordId,
      unit: r.unit,
      agencyCode: r.codes?.agencyCode ?? null,
      documentType: field('documentType'),
      documentNumber: field('documentNumber'),
      issuedDate: field('issuedDate'),
      issuer: field('issuer'),
      resultTypeCode: r.codes?.resultTypeCode ?? null,
      procedureCode: r.codes?.procedureCode ?? null,
      dossierCode: r.codes?.dossierCode ?? null,
      validity: { state: 'valid' },
      validUntil: field('validUntil'),
      files: [{ name: r.pdf.filename, sha256: r.pdf.sha256, url: link.url, expiresAt: link.expiresAt }]
    }
  }

  /** The replicas a province keeps (none on a district): a handful of keys, read once per lookup. */
  private async replicaIds (): Promise<string[]> {
    return [...new Set((await this.opts.store.replicas.listPeers()).map(p => p.replica))]
  }

  private async resolve (recordId: string, replicas: string[], own = true): Promise<ArchivedResult | null> {
    const mine = own ? await this.opts.store.getRecord(recordId) : undefined
    if (mine) return ofRecord(mine)
    for (const replica of replicas) {
      const r = await this.opts.store.replicas.getRecord(replica, recordId)
      if (r) return await this.ofReplica(r)
    }
    return null
  }

  /** What the district's log said of the record; its PDF must be in the shared file store to be handed out. */
  private async ofReplica (r: ReplicaRecord): Promise<ArchivedResult | null> {
    if (r.deleted) return null
    const d = r.record as { archiveId?: unknown, fields?: unknown, codes?: unknown, validity?: { state?: unknown }, pdf?: { sha256?: unknown, filename?: unknown }, supersededBy?: unknown }
    const sha256 = typeof d.pdf?.sha256 === 'string' ? d.pdf.sha256 : undefined
    const filename = typeof d.pdf?.filename === 'string' ? d.pdf.filename : undefined
    const file = r.files.find(f => f.role === 'pdf' && f.sha256 === sha256)
    if (!sha256 || !filename || !file || (Array.isArray(d.supersededBy) && d.supersededBy.length > 0)) return null
    if (!(await this.opts.store.files.has(sha256))) return null
    return {
      recordId: r.id,
      unit: r.unit,
      archiveId: typeof d.archiveId === 'string' ? d.archiveId : archiveIdOf(r),
      fields: textFields(d.fields),
      subjectIds: idsOf(textFields(d.fields).subjectId, (r.record as { parties?: unknown }).parties),
      codes: (d.codes && typeof d.codes === 'object' ? d.codes : null) as RecordCodes | null,
      validity: typeof d.validity?.state === 'string' ? d.validity.state : 'valid',
      pdf: { sha256, size: file.size, filename }
    }
  }
}

function ofRecord (r: RecordEntry): ArchivedResult | null {
  if (r.status !== 'archived' || r.deleted || !r.pdf || (r.supersededBy?.length ?? 0) > 0) return null
  return {
    recordId: r.id,
    unit: r.unit,
    archiveId: archiveIdOf(r),
    fields: Object.fromEntries(Object.entries(r.fields ?? {}).map(([k, f]) => [k, f.value])),
    subjectIds: idsOf(r.fields?.subjectId?.value ?? null, r.parties?.value),
    codes: r.codes ?? null,
    validity: r.validity?.state ?? 'valid',
    pdf: { sha256: r.pdf.sha256, size: r.pdf.size, filename: r.pdf.filename }
  }
}

function idsOf (subjectId: string | null | undefined, parties: unknown): string[] {
  const ids = [subjectId ?? '', ...(Array.isArray(parties) ? parties.map(p => p && typeof p === 'object' && typeof (p as { idNumber?: unknown }).idNumber === 'string' ? (p as { idNumber: string }).idNumber : '') : [])]
  return [...new Set(ids.map(subjectKeyOf).filter(k => k !== ''))]
}

function textFields (fields: unknown): Record<string, string | null> {
  if (!fields || typeof fields !== 'object') return {}
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? v : null]))
}

/** Valid, and not past its `validUntil` (a day, compared with today in Vietnam as the daily sweep does). */
function currentlyValid (r: ArchivedResult, today: string): boolean {
  const until = r.fields.validUntil
  return r.validity === 'valid' && !(until && until < today)
}

const sameCode = (a: string | null | undefined, b: string): boolean => (a ?? '').trim().toUpperCase() === b.trim().toUpperCase()

function fitsCriterion (r: ArchivedResult, c: LookupCriterion): boolean {
  if (c.resultTypeCode !== undefined && c.resultTypeCode.trim() !== '' && !sameCode(r.codes?.resultTypeCode, c.resultTypeCode)) return false
  if (c.documentNumber !== undefined && c.documentNumber.trim() !== '' && documentNumberKey(r.fields.documentNumber ?? '') !== documentNumberKey(c.documentNumber)) return false
  return true
}

/** Checked against the record itself, not only the index, which may lag a change by a moment. */
function fits (r: ArchivedResult, q: LookupQuery): boolean {
  if (q.subjectId !== undefined && !r.subjectIds.includes(subjectKeyOf(q.subjectId))) return false
  if (!fitsCriterion(r, q)) return false
  return !q.anyOf || q.anyOf.length === 0 || q.anyOf.some(c => fitsCriterion(r, c))
}
