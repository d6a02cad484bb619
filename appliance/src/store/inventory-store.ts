/**
 * The inventory's persistence: boxes, files and the records filed under them, in the `inventory` sublevel. Only
 * this file knows its keys. Values are JSON; `!` separates parts (unit codes, box and file numbers and dossier codes
 * never hold one: the inventory module checks them).
 *
 * - `box!<boxId>`                          → InventoryBox
 * - `file!<fileId>`                        → InventoryFile (with its derived status and page counts)
 * - `boxno!<unit>!<box number>`            → boxId: a box number is unique within its unit
 * - `fileno!<unit>!<box number>!<number>`  → fileId: finds the file a separator sheet names
 * - `dossier!<unit>!<dossier code>`        → fileId: finds the file of a record's mã hồ sơ
 * - `link!<fileId>!<recordId>`             → InventoryLink: one range per file, read to derive its status
 * - `rec!<recordId>`                       → fileId: where a record is filed now, so a move unlinks it first
 *
 * A change of one file (its entry, its index keys, a link) is one synced LevelDB batch.
 */
import { AppError } from '../errors/index.js'
import type { InventoryBox, InventoryFile, InventoryLink } from './types.js'

/** What this class needs of a sublevel; `db.sublevel<string, any>('inventory', { valueEncoding: 'json' })` fits. */
export interface InventorySublevel {
  get: (key: string) => Promise<any>
  getMany: (keys: string[]) => Promise<any[]>
  batch: (operations: Array<{ type: 'put', key: string, value: any } | { type: 'del', key: string }>, options?: { sync?: boolean }) => Promise<void>
  values: (options: { gt?: string, lt?: string }) => AsyncIterable<any>
}

type Op = { type: 'put', key: string, value: unknown } | { type: 'del', key: string }

const boxNumberKey = (unit: string, number: string): string => `boxno!${unit}!${number}`
const fileNumberKey = (unit: string, box: string, number: string): string => `fileno!${unit}!${box}!${number}`
const dossierKey = (unit: string, code: string): string => `dossier!${unit}!${code}`
const linkKey = (fileId: string, recordId: string): string => `link!${fileId}!${recordId}`

export class InventoryTx {
  private readonly ops: Op[] = []
  constructor (private readonly sub: InventorySublevel) {}

  putBox (box: InventoryBox, previous?: InventoryBox): this {
    if (previous && previous.number !== box.number) this.ops.push({ type: 'del', key: boxNumberKey(previous.unit, previous.number) })
    this.ops.push({ type: 'put', key: `box!${box.id}`, value: box }, { type: 'put', key: boxNumberKey(box.unit, box.number), value: box.id })
    return this
  }

  /** Writes the file and its index keys; `previous` lets renumbered or re-coded files drop their stale keys. */
  putFile (file: InventoryFile, previous?: InventoryFile): this {
    if (previous) {
      if (previous.box !== file.box || previous.number !== file.number) this.ops.push({ type: 'del', key: fileNumberKey(previous.unit, previous.box, previous.number) })
      if (previous.dossierCode && previous.dossierCode !== file.dossierCode) this.ops.push({ type: 'del', key: dossierKey(previous.unit, previous.dossierCode) })
    }
    this.ops.push({ type: 'put', key: `file!${file.id}`, value: file }, { type: 'put', key: fileNumberKey(file.unit, file.box, file.number), value: file.id })
    if (file.dossierCode) this.ops.push({ type: 'put', key: dossierKey(file.unit, file.dossierCode), value: file.id })
    return this
  }

  putLink (link: InventoryLink): this {
    this.ops.push({ type: 'put', key: linkKey(link.fileId, link.recordId), value: link }, { type: 'put', key: `rec!${link.recordId}`, value: link.fileId })
    return this
  }

  delLink (fileId: string, recordId: string): this {
    this.ops.push({ type: 'del', key: linkKey(fileId, recordId) }, { type: 'del', key: `rec!${recordId}` })
    return this
  }

  async commit (): Promise<void> {
    if (this.ops.length === 0) return
    try {
      await this.sub.batch(this.ops as any, { sync: true })
    } catch (err) {
      throw new AppError('STORAGE_FAILED', undefined, err)
    }
  }
}

export class InventoryStore {
  constructor (private readonly sub: InventorySublevel) {}

  tx (): InventoryTx { return new InventoryTx(this.sub) }

  getBox (id: string): Promise<InventoryBox | undefined> { return this.sub.get(`box!${id}`) }
  getFile (id: string): Promise<InventoryFile | undefined> { return this.sub.get(`file!${id}`) }
  boxIdByNumber (unit: string, number: string): Promise<string | undefined> { return this.sub.get(boxNumberKey(unit, number)) }
  fileIdByNumber (unit: string, box: string, number: string): Promise<string | undefined> { return this.sub.get(fileNumberKey(unit, box, number)) }
  fileIdByDossier (unit: string, code: string): Promise<string | undefined> { return this.sub.get(dossierKey(unit, code)) }
  fileIdOfRecord (recordId: string): Promise<string | undefined> { return this.sub.get(`rec!${recordId}`) }
  getLink (fileId: string, recordId: string): Promise<InventoryLink | undefined> { return this.sub.get(linkKey(fileId, recordId)) }

  async * listBoxes (): AsyncGenerator<InventoryBox> {
    for await (const b of this.sub.values({ gt: 'box!', lt: 'box!\xff' })) yield b as InventoryBox
  }

  async * listFiles (): AsyncGenerator<InventoryFile> {
    for await (const f of this.sub.values({ gt: 'file!', lt: 'file!\xff' })) yield f as InventoryFile
  }

  async listLinks (fileId: string): Promise<InventoryLink[]> {
    const out: InventoryLink[] = []
    for await (const l of this.sub.values({ gt: `link!${fileId}!`, lt: `link!${fileId}!\xff` })) out.push(l as InventoryLink)
    return out
  }
}
