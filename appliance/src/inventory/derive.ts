/**
 * What a file's records say about it: its status and page counts, recomputed from its links on every change (a
 * file holds a handful to a few hundred records, so a full recount is cheap and can never drift).
 */
import type { InventoryFile, InventoryFileStatus, InventoryLink, RecordStatus } from '../store/index.js'

const RANK: Record<InventoryFileStatus, number> = { counted: 0, scanned: 1, reviewed: 2, archived: 3 }

/** What a record in this status does for its file: a draft is scanned, an approved record reviewed. */
export function fileStatusOfRecord (status: RecordStatus): InventoryFileStatus {
  if (status === 'archived') return 'archived'
  if (status === 'approved') return 'reviewed'
  return 'scanned'
}

/** A file is as far as its least advanced record; with no record it is only counted. */
export function derive (file: InventoryFile, links: readonly InventoryLink[], now: string): InventoryFile {
  let status: InventoryFileStatus = 'archived'
  let receivedPages = 0
  let archivedPages = 0
  for (const link of links) {
    const s = fileStatusOfRecord(link.status)
    if (RANK[s] < RANK[status]) status = s
    receivedPages += link.pageCount
    if (link.status === 'archived') archivedPages += link.pageCount
  }
  if (links.length === 0) status = 'counted'
  const same = file.status === status && file.records === links.length && file.receivedPages === receivedPages && file.archivedPages === archivedPages
  return same ? file : { ...file, status, records: links.length, receivedPages, archivedPages, updatedAt: now }
}

export interface Discrepancy {
  fileId: string
  unit: string
  box: string
  number: string
  title: string
  dossierCode: string | null
  status: InventoryFileStatus
  countedPages: number
  receivedPages: number
  archivedPages: number
  /** Archived (or, for files still in work, received) minus counted: −3 when 40 were counted and 37 archived. */
  difference: number
}

/**
 * A finished file whose archived pages differ from the count; with `all`, also files in work whose received pages
 * differ (a stack scanned short, or a page counted twice).
 */
export function discrepancyOf (file: InventoryFile, all: boolean): Discrepancy | null {
  const done = file.status === 'archived'
  if (!done && !(all && file.records > 0)) return null
  const measured = done ? file.archivedPages : file.receivedPages
  if (measured === file.countedPages) return null
  return {
    fileId: file.id,
    unit: file.unit,
    box: file.box,
    number: file.number,
    title: file.title,
    dossierCode: file.dossierCode,
    status: file.status,
    countedPages: file.countedPages,
    receivedPages: file.receivedPages,
    archivedPages: file.archivedPages,
    difference: measured - file.countedPages
  }
}
