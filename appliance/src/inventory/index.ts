/**
 * The inventory before scanning (rà soát, phân loại, kiểm đếm): a unit registers its paper holdings as boxes and
 * files (hộp, hồ sơ) with the result type, years, retention and a counted number of pages. Records then find their
 * file by dossier code, by the box and file numbers a separator sheet gave, or by the file id printed on the sheet,
 * and each file moves counted → scanned → reviewed → archived with them (`onRecordChanged`). Counted and archived
 * pages are compared file by file (`discrepancies`), and the reports measure progress against the counts.
 */
import { AppError } from '../errors/index.js'
import { newId, type InventoryBox, type InventoryFile, type InventoryFileStatus, type InventoryLink, type RecordEntry, type RecordStatus, type Store } from '../store/index.js'
import type { Units } from '../units/index.js'
import { derive, discrepancyOf, type Discrepancy } from './derive.js'
import { checkBox, checkFile, type InventoryFilePatch, type NewBox, type NewInventoryFile } from './input.js'

export type { Discrepancy } from './derive.js'
export { fileStatusOfRecord } from './derive.js'
export * from './input.js'

/** What the records module tells the inventory after it committed a record change. */
export interface RecordChange {
  recordId: string
  unit: string
  dossierCode?: string | null
  /** Box and file numbers, from a separator sheet or typed by a reviewer. */
  box?: string | null
  file?: string | null
  /** The inventory file id a separator sheet printed from the inventory carries (`SeparatorInfo.inventoryFileId`). */
  inventoryFileId?: string | null
  /** `removed` when the record was deleted, or split or merged away into other records. */
  status: RecordStatus | 'removed'
  pageCount: number
}

export interface FileView extends InventoryFile {
  links: InventoryLink[]
}

/** What a separator cover sheet printed for an inventory file carries (the shape of the separator's `SeparatorInfo`). */
export interface InventorySheet {
  unit: string
  dossierCode?: string
  procedureCode?: string
  resultTypeCode?: string
  box: string
  file: string
  inventoryFileId: string
}

export interface UnitInventory {
  unit: string
  boxes: number
  files: number
  byStatus: Record<InventoryFileStatus, number>
  countedPages: number
  receivedPages: number
  archivedPages: number
}

/** The change a record entry means for its file (the lead's pipeline calls `onRecordChanged(changeOfRecord(r))`). */
export function changeOfRecord (record: RecordEntry): RecordChange {
  const removed = record.deleted !== undefined || (record.supersededBy?.length ?? 0) > 0
  return {
    recordId: record.id,
    unit: record.unit,
    dossierCode: record.codes?.dossierCode ?? null,
    box: record.codes?.box ?? null,
    file: record.codes?.file ?? null,
    status: removed ? 'removed' : record.status,
    pageCount: record.pageIds.length
  }
}

const byNumber = (a: string, b: string): number => a.localeCompare(b, 'vi', { numeric: true })

export class Inventory {
  constructor (private readonly store: Store, private readonly units: Units) {}

  async addBox (input: NewBox): Promise<InventoryBox> {
    checkBox(input)
    await this.units.get(input.unit)
    return await this.store.lockInventoryUnit(input.unit, async () => {
      if (await this.store.inventory.boxIdByNumber(input.unit, input.number)) throw new AppError('INVENTORY_EXISTS', { unit: input.unit, box: input.number })
      const now = new Date().toISOString()
      const box: InventoryBox = { id: newId('ib'), unit: input.unit, number: input.number, label: input.label?.trim().normalize('NFC') || null, location: input.location?.trim().normalize('NFC') || null, createdAt: now, updatedAt: now }
      await this.store.inventory.tx().putBox(box).commit()
      return box
    })
  }

  async listBoxes (filter: { unit?: string } = {}): Promise<InventoryBox[]> {
    const out: InventoryBox[] = []
    for await (const b of this.store.inventory.listBoxes()) if (filter.unit === undefined || b.unit === filter.unit) out.push(b)
    return out.sort((a, b) => a.unit.localeCompare(b.unit) || byNumber(a.number, b.number))
  }

  /** Registers a counted file; its box is registered with it when the unit has no box with that number yet. */
  async addFile (input: NewInventoryFile): Promise<InventoryFile> {
    const clean = { ...input, title: input.title?.trim().normalize('NFC'), resultTypeName: input.resultTypeName?.trim().normalize('NFC') || null }
    checkFile(clean)
    await this.units.get(input.unit)
    return await this.store.lockInventoryUnit(input.unit, async () => {
      const inv = this.store.inventory
      if (await inv.fileIdByNumber(input.unit, input.box, input.number)) throw new AppError('INVENTORY_EXISTS', { unit: input.unit, box: input.box, file: input.number })
      if (input.dossierCode && await inv.fileIdByDossier(input.unit, input.dossierCode)) throw new AppError('INVENTORY_EXISTS', { unit: input.unit, dossierCode: input.dossierCode })
      const now = new Date().toISOString()
      const tx = inv.tx()
      let boxId = await inv.boxIdByNumber(input.unit, input.box)
      if (!boxId) {
        boxId = newId('ib')
        tx.putBox({ id: boxId, unit: input.unit, number: input.box, label: null, location: null, createdAt: now, updatedAt: now })
      }
      const file: InventoryFile = {
        id: newId('if'),
        unit: input.unit,
        boxId,
        box: input.box,
        number: input.number,
        title: clean.title,
        resultTypeCode: input.resultTypeCode ?? null,
        resultTypeName: clean.resultTypeName,
        procedureCode: input.procedureCode ?? null,
        dossierCode: input.dossierCode ?? null,
        yearFrom: input.yearFrom,
        yearTo: input.yearTo,
        retention: input.retention,
        countedPages: input.countedPages,
        status: 'counted',
        records: 0,
        receivedPages: 0,
        archivedPages: 0,
        createdAt: now,
        updatedAt: now
      }
      await tx.putFile(file).commit()
      return file
    })
  }

  /** Corrects a counted file (a recount, a code found later). Its status stays what its records make it. */
  async updateFile (id: string, patch: InventoryFilePatch): Promise<InventoryFile> {
    const current = await this.file(id)
    return await this.store.lockInventoryUnit(current.unit, async () => await this.store.lockInventoryFiles([id], async () => {
      const inv = this.store.inventory
      const previous = await this.file(id)
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as InventoryFilePatch
      const next: InventoryFile = { ...previous, ...defined, updatedAt: new Date().toISOString() }
      if (patch.title !== undefined) next.title = patch.title.trim().normalize('NFC')
      checkFile(next)
      if (next.box !== previous.box || next.number !== previous.number) {
        if (await inv.fileIdByNumber(next.unit, next.box, next.number)) throw new AppError('INVENTORY_EXISTS', { unit: next.unit, box: next.box, file: next.number })
      }
      if (next.dossierCode && next.dossierCode !== previous.dossierCode && await inv.fileIdByDossier(next.unit, next.dossierCode)) {
        throw new AppError('INVENTORY_EXISTS', { unit: next.unit, dossierCode: next.dossierCode })
      }
      const tx = inv.tx()
      if (next.box !== previous.box) {
        let boxId = await inv.boxIdByNumber(next.unit, next.box)
        if (!boxId) {
          boxId = newId('ib')
          tx.putBox({ id: boxId, unit: next.unit, number: next.box, label: null, location: null, createdAt: next.updatedAt, updatedAt: next.updatedAt })
        }
        next.boxId = boxId
      }
      await tx.putFile(next, previous).commit()
      return next
    }))
  }

  async file (id: string): Promise<InventoryFile> {
    const file = await this.store.inventory.getFile(id)
    if (!file) throw new AppError('INVENTORY_NOT_FOUND', { fileId: id })
    return file
  }

  async fileView (id: string): Promise<FileView> {
    return { ...await this.file(id), links: await this.store.inventory.listLinks(id) }
  }

  async listFiles (filter: { unit?: string, box?: string, status?: InventoryFileStatus } = {}): Promise<InventoryFile[]> {
    const out: InventoryFile[] = []
    for await (const f of this.store.inventory.listFiles()) {
      if (filter.unit !== undefined && f.unit !== filter.unit) continue
      if (filter.box !== undefined && f.box !== filter.box) continue
      if (filter.status !== undefined && f.status !== filter.status) continue
      out.push(f)
    }
    return out.sort((a, b) => a.unit.localeCompare(b.unit) || byNumber(a.box, b.box) || byNumber(a.number, b.number))
  }

  /** Per unit: boxes, files by status, and counted, received and archived pages of the inventory. */
  async summary (filter: { units?: readonly string[] } = {}): Promise<UnitInventory[]> {
    const wanted = filter.units ? new Set(filter.units) : null
    const byUnit = new Map<string, UnitInventory>()
    const entry = (unit: string): UnitInventory => {
      let e = byUnit.get(unit)
      if (!e) byUnit.set(unit, e = { unit, boxes: 0, files: 0, byStatus: { counted: 0, scanned: 0, reviewed: 0, archived: 0 }, countedPages: 0, receivedPages: 0, archivedPages: 0 })
      return e
    }
    for await (const b of this.store.inventory.listBoxes()) if (!wanted || wanted.has(b.unit)) entry(b.unit).boxes++
    for await (const f of this.store.inventory.listFiles()) {
      if (wanted && !wanted.has(f.unit)) continue
      const e = entry(f.unit)
      e.files++
      e.byStatus[f.status]++
      e.countedPages += f.countedPages
      e.receivedPages += f.receivedPages
      e.archivedPages += f.archivedPages
    }
    return [...byUnit.values()].sort((a, b) => a.unit.localeCompare(b.unit))
  }

  /** Files whose pages do not match their count (see `discrepancyOf`). */
  async discrepancies (filter: { unit?: string, all?: boolean } = {}): Promise<Discrepancy[]> {
    const out: Discrepancy[] = []
    for (const f of await this.listFiles({ unit: filter.unit })) {
      const d = discrepancyOf(f, filter.all ?? false)
      if (d) out.push(d)
    }
    return out
  }

  /** What a separator cover sheet for this file must carry, so the scanned stack lands on the right file. */
  async sheet (id: string): Promise<InventorySheet> {
    const f = await this.file(id)
    return {
      unit: f.unit,
      ...(f.dossierCode !== null ? { dossierCode: f.dossierCode } : {}),
      ...(f.procedureCode !== null ? { procedureCode: f.procedureCode } : {}),
      ...(f.resultTypeCode !== null ? { resultTypeCode: f.resultTypeCode } : {}),
      box: f.box,
      file: f.number,
      inventoryFileId: f.id
    }
  }

  /**
   * Files (or moves, or unfiles) a record after a change was committed, and rederives the files involved. Calling it
   * again with the same facts changes nothing, so it is safe to repeat after a crash (`reconcile` does).
   */
  async onRecordChanged (change: RecordChange): Promise<{ fileId: string | null }> {
    return await this.store.lockInventoryRecord(change.recordId, async () => {
      const inv = this.store.inventory
      const target = change.status === 'removed' ? undefined : await this.findFile(change)
      const previous = await inv.fileIdOfRecord(change.recordId)
      if (previous === undefined && target === undefined) return { fileId: null }
      const fileIds = [...new Set([previous, target].filter((x): x is string => x !== undefined))].sort()
      return await this.lockFiles(fileIds, async () => {
        const at = new Date().toISOString()
        const link: InventoryLink | undefined = target === undefined ? undefined : { fileId: target, recordId: change.recordId, status: change.status as RecordStatus, pageCount: change.pageCount, at }
        if (link && previous === link.fileId) {
          const old = await inv.getLink(link.fileId, change.recordId)
          if (old && old.status === link.status && old.pageCount === link.pageCount) return { fileId: link.fileId }
        }
        const tx = inv.tx()
        if (previous !== undefined && previous !== target) tx.delLink(previous, change.recordId)
        if (link) tx.putLink(link)
        for (const id of fileIds) {
          const file = await inv.getFile(id)
          if (!file) continue
          const links = (await inv.listLinks(id)).filter(l => l.recordId !== change.recordId)
          if (link && id === target) links.push(link)
          const next = derive(file, links, at)
          if (next !== file) tx.putFile(next, file)
        }
        await tx.commit()
        return { fileId: target ?? null }
      })
    })
  }

  /** Replays every record through `onRecordChanged`: repairs links a crash left behind, or files found later. */
  async reconcile (): Promise<{ records: number, filed: number }> {
    let records = 0
    let filed = 0
    for await (const record of this.store.listRecords()) {
      records++
      if ((await this.onRecordChanged(changeOfRecord(record))).fileId !== null) filed++
    }
    return { records, filed }
  }

  private async findFile (change: RecordChange): Promise<string | undefined> {
    const inv = this.store.inventory
    if (change.inventoryFileId) {
      const named = await inv.getFile(change.inventoryFileId)
      if (named && named.unit === change.unit) return named.id
    }
    if (change.dossierCode) {
      const id = await inv.fileIdByDossier(change.unit, change.dossierCode)
      if (id) return id
    }
    if (change.box && change.file) return await inv.fileIdByNumber(change.unit, change.box, change.file)
    return undefined
  }

  /** Locks files in sorted order, so two records moving between the same two files cannot deadlock. */
  private async lockFiles<T> (ids: readonly string[], fn: () => Promise<T>): Promise<T> {
    return await this.store.lockInventoryFiles(ids, fn)
  }
}
