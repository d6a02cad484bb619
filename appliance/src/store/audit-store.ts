/**
 * The audit trail of result lookups, in the `audit` sublevel. Only this file knows its keys. Entry ids are
 * time-ordered (`a_<time><random>`), so every key range below reads in time order, and a time bound is a key bound.
 *
 * - `t!<entryId>`                     → AuditEntry
 * - `s!<personal ID digits>!<entryId>` → entryId: "who looked up this ID", without reading the whole trail
 * - `p!<principal id>!<entryId>`       → entryId: everything one token or user looked up
 *
 * An entry and its index keys are one synced LevelDB batch: once `append` resolves, the lookup is on disk.
 */
import { AppError } from '../errors/index.js'
import { idFloor, newId } from './ids.js'
import type { AuditEntry } from './types.js'

/** What this class needs of a sublevel; `db.sublevel<string, any>('audit', { valueEncoding: 'json' })` fits. */
export interface AuditSublevel {
  getMany: (keys: string[]) => Promise<any[]>
  batch: (operations: Array<{ type: 'put', key: string, value: any }>, options?: { sync?: boolean }) => Promise<void>
  values: (options: { gte?: string, lt?: string, reverse?: boolean, limit?: number }) => AsyncIterable<any>
}

export interface AuditQuery {
  /** Entries at or after this time (ms since the epoch). */
  from?: number
  /** Entries at or before this time (ms since the epoch). */
  to?: number
  /** Only lookups of this personal ID (compared by its digits). */
  subjectId?: string
  /** Only lookups by this principal (token id or user name). */
  principal?: string
  /** Only entries older than this entry id (the cursor of the previous page). */
  before?: string
  limit: number
}

/** The digits of a personal ID: `064 190 001234` and `064190001234` are one person. */
export const subjectKeyOf = (subjectId: string): string => subjectId.replace(/\D+/g, '')

const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'

/** A new entry id and the instant its time part names: `at` is that instant, so time bounds on keys are bounds on `at`. */
export function newAuditId (): { id: string, at: string } {
  const id = newId('a')
  let ms = 0
  for (const c of id.slice(2, 12)) ms = ms * 32 + ID_ALPHABET.indexOf(c)
  return { id, at: new Date(ms).toISOString() }
}

const TIME_FLOOR = 'a_'
const ENTRY = 't!'
const READ_CHUNK = 100

export class AuditStore {
  constructor (private readonly sub: AuditSublevel) {}

  /** Writes the entry and its index keys, fsynced before it resolves; STORAGE_FAILED otherwise. */
  async append (entry: AuditEntry): Promise<void> {
    const ops: Array<{ type: 'put', key: string, value: unknown }> = [{ type: 'put', key: `${ENTRY}${entry.id}`, value: entry }]
    const subject = entry.subjectId === null ? '' : subjectKeyOf(entry.subjectId)
    if (subject !== '') ops.push({ type: 'put', key: `s!${subject}!${entry.id}`, value: entry.id })
    ops.push({ type: 'put', key: `p!${entry.principal.id}!${entry.id}`, value: entry.id })
    try {
      await this.sub.batch(ops, { sync: true })
    } catch (err) {
      throw new AppError('STORAGE_FAILED', undefined, err)
    }
  }

  /**
   * Newest first, at most `limit`; `more` says whether older matching entries remain (the last id is the cursor).
   * A personal ID or a principal reads its own index range; both together read the ID's range and keep the
   * principal's entries.
   */
  async list (q: AuditQuery): Promise<{ entries: AuditEntry[], more: boolean }> {
    const subject = q.subjectId === undefined ? undefined : subjectKeyOf(q.subjectId)
    if (subject === '') return { entries: [], more: false }
    const prefix = subject !== undefined ? `s!${subject}!` : q.principal !== undefined ? `p!${q.principal}!` : ENTRY
    const indexed = prefix !== ENTRY
    const lower = `${prefix}${q.from !== undefined ? idFloor('a', q.from) : TIME_FLOOR}`
    let upper = q.to !== undefined ? `${prefix}${idFloor('a', q.to + 1)}` : `${prefix}~`
    if (q.before !== undefined && `${prefix}${q.before}` < upper) upper = `${prefix}${q.before}`
    const keep = (e: AuditEntry): boolean => subject === undefined || q.principal === undefined || e.principal.id === q.principal

    const out: AuditEntry[] = []
    let chunk: string[] = []
    const flush = async (): Promise<void> => {
      const entries = indexed ? await this.sub.getMany(chunk.map(id => `${ENTRY}${id}`)) : chunk as unknown as AuditEntry[]
      for (const e of entries as Array<AuditEntry | undefined>) if (e && keep(e)) out.push(e)
      chunk = []
    }
    for await (const value of this.sub.values({ gte: lower, lt: upper, reverse: true })) {
      chunk.push(value)
      if (chunk.length >= READ_CHUNK) await flush()
      if (out.length > q.limit) break
    }
    if (chunk.length > 0 && out.length <= q.limit) await flush()
    return { entries: out.slice(0, q.limit), more: out.length > q.limit }
  }
}
