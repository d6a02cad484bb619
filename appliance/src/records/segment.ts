/**
 * From a scanned stack to records: once every page of a batch has been prepared (separator cover sheets and blank
 * pages detected), the batch's draft records are regrouped in one atomic write: a cover sheet starts a new record
 * and fills its codes, blank pages (duplex backs) stay in the batch marked and out of the record. Record ids stay
 * stable: each group keeps the record of its first page; emptied records point to the one that took their pages.
 * Each regrouped record's `extract` step is written in that same batch (its fields are read again from its pages).
 */
import { newId, type Batch, type Page, type RecordCodes, type RecordEntry, type Store, type Tx } from '../store/index.js'
import { segmentStack, type SeparatorInfo } from '../separator/index.js'
import { emptyCodes } from './lifecycle.js'

export interface SegmentResult {
  /** Records holding pages after segmentation, in batch order. */
  records: string[]
  /** Records emptied into others. */
  emptied: string[]
  blankPages: number
  separators: number
}

function codesFrom (base: RecordCodes | undefined, sep: SeparatorInfo | null): RecordCodes {
  const codes: RecordCodes = { ...(base ?? emptyCodes()) }
  if (!sep) return codes
  if (sep.dossierCode) codes.dossierCode = sep.dossierCode
  if (sep.procedureCode) codes.procedureCode = sep.procedureCode
  if (sep.resultTypeCode) codes.resultTypeCode = sep.resultTypeCode
  if (sep.box) codes.box = String(sep.box)
  if (sep.file) codes.file = String(sep.file)
  return codes
}

/** True when a batch has pages still waiting for preparation (segmentation must wait for them; a page failed for good waits no more). */
export async function batchPreparing (store: Store, batchId: string): Promise<boolean> {
  const batch = await store.getBatch(batchId)
  if (!batch) return false
  if (batch.status === 'scanning' || batch.status === 'paused') return true
  for (const id of batch.recordIds) {
    const record = await store.getRecord(id)
    if (!record) continue
    for (const p of await store.getPages(record.pageIds)) if (p.stage === 'received' && !p.failed) return true
  }
  return false
}

/**
 * Regroups the untouched draft records of a batch. Records a person already changed (version > 0) or approved are
 * left as they are, and cut the stack: pages never move across them.
 */
export async function segmentBatch (store: Store, batchId: string, include?: Tx): Promise<SegmentResult | null> {
  return await store.lockSegment(batchId, async () => {
    const batch = await store.getBatch(batchId)
    if (!batch) return null
    const records = (await Promise.all(batch.recordIds.map(async id => await store.getRecord(id)))).filter((r): r is RecordEntry => !!r && !r.deleted && !r.supersededBy)
    const candidate = (r: RecordEntry): boolean => r.status === 'draft' && (r.version ?? 0) === 0 && !r.segmented
    // Every page that may move is locked until the commit: the pipeline re-reads a page under its lock before it
    // writes its stage, so neither side loses the other's change.
    const movable = records.filter(candidate).flatMap(r => r.pageIds)
    return await store.lockPages(movable, async () => await cutBatch(store, batch, records, candidate, include))
  })
}

async function cutBatch (store: Store, batch: Batch, records: RecordEntry[], candidate: (r: RecordEntry) => boolean, include?: Tx): Promise<SegmentResult> {
  const result: SegmentResult = { records: [], emptied: [], blankPages: 0, separators: 0 }
  const tx = store.tx()
  const now = new Date().toISOString()
  let changed = false
  // Runs of consecutive candidate records are segmented together.
  let run: RecordEntry[] = []
  const flush = async (): Promise<void> => {
    if (run.length === 0) return
    const pages: Page[] = []
    for (const r of run) pages.push(...await store.getPages(r.pageIds))
    const segments = segmentStack(pages.map(p => ({ id: p.id, separator: (p.separator ?? null) as SeparatorInfo | null, blank: p.blank === true })))
    const pageById = new Map(pages.map(p => [p.id, p]))
    const owners = new Map(pages.map(p => [p.id, p.recordId]))
    const used = new Set<string>()
    const byId = new Map(run.map(r => [r.id, r]))
    for (const seg of segments) {
      const first = seg.pageIds[0] ?? seg.blankPageIds[0]
      if (!first) continue
      // Keep the id of the first page's record unless another group already took it.
      let owner = owners.get(first)!
      if (used.has(owner)) owner = newId('r')
      used.add(owner)
      const base = byId.get(owner) ?? run[0]
      const next: RecordEntry = {
        ...base,
        id: owner,
        pageIds: seg.pageIds,
        blankPageIds: seg.blankPageIds,
        ...(seg.separatorPageId ? { separatorPageId: seg.separatorPageId } : {}),
        codes: codesFrom(base.codes, seg.separator),
        fields: undefined,
        segmented: true,
        createdAt: byId.has(owner) ? base.createdAt : now,
        updatedAt: now
      }
      delete next.supersededBy
      tx.putRecord(next).putRecordJob('extract', owner)
      ;[...seg.pageIds, ...seg.blankPageIds].forEach((id, i) => {
        const p = pageById.get(id)!
        tx.putPage({ ...p, recordId: owner, index: i, updatedAt: now })
      })
      if (seg.separatorPageId) {
        const p = pageById.get(seg.separatorPageId)!
        tx.putPage({ ...p, recordId: owner, index: -1, updatedAt: now })
        result.separators++
      }
      result.blankPages += seg.blankPageIds.length
      result.records.push(owner)
    }
    const placed = new Set(segments.flatMap(seg => [...seg.pageIds, ...seg.blankPageIds, ...(seg.separatorPageId ? [seg.separatorPageId] : [])]))
    for (const r of run) {
      if (used.has(r.id)) continue
      // Nothing of it became a record (a cover sheet with nothing behind it, loose blank backs): it stays, emptied
      // and pointing to the group before it, still holding those pages so nothing of the batch is lost.
      const heir = result.records[result.records.length - 1]
      const leftover = r.pageIds.filter(id => !placed.has(id))
      tx.putRecord({ ...r, pageIds: [], blankPageIds: leftover, supersededBy: heir ? [heir] : [], segmented: true, updatedAt: now })
      result.emptied.push(r.id)
    }
    changed = true
    run = []
  }
  for (const r of records) {
    if (candidate(r)) { run.push(r); continue }
    await flush()
    result.records.push(r.id)
  }
  await flush()
  if (!changed) return result
  // Emptied records stay listed (last) so the batch still accounts for every page it received.
  tx.putBatch({ ...batch, recordIds: [...result.records, ...result.emptied], updatedAt: now })
  if (include) tx.include(include)
  await tx.commit()
  return result
}

/** True when a batch is finished or cancelled: its records are cut once every page is prepared. */
export function batchClosed (batch: Batch | undefined): boolean {
  return batch !== undefined && (batch.status === 'finished' || batch.status === 'cancelled')
}

/**
 * Cuts a batch into records once it is complete: finished or cancelled, and every page prepared. `include` (the
 * segment step's job deletion) commits with the cut.
 */
export async function segmentIfComplete (store: Store, batchId: string, include?: Tx): Promise<SegmentResult | null> {
  const batch = await store.getBatch(batchId)
  if (!batchClosed(batch)) return null
  if (await batchPreparing(store, batchId)) return null
  return await segmentBatch(store, batchId, include)
}
