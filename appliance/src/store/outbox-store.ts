/**
 * The outbox's delivery state, in the `outbox` sublevel. Only this file knows its keys. The messages themselves are
 * not here: the archive log is the queue; this holds where each target stands in it and the messages it refused.
 *
 * - `target!<name>`                          → OutboxTargetState: the target's cursor and its head's attempts
 * - `dead!<target>!<seq, 12 digits>`          → OutboxDeadLetter (every state, kept as history)
 * - `open!<target>!<recordId>!<seq, 12 d.>`   → seq: dead letters still `dead` or `retrying` (`-` for no record),
 *                                               so "does this record have one?" is one short range read
 * - `retry!<target>!<seq, 12 digits>`         → seq: dead letters an admin sent back (`retrying`), oldest first
 *
 * Every change is one synced batch: a cursor move and the dead letter it leaves behind commit together.
 */
import type { OutboxDeadLetter, OutboxDeadLetterState, OutboxTargetState } from './types.js'

/** What this class needs of a sublevel; `db.sublevel<string, any>('outbox', { valueEncoding: 'json' })` fits. */
export interface OutboxSublevel {
  get: (key: string) => Promise<any>
  batch: (operations: Array<{ type: 'put', key: string, value: any } | { type: 'del', key: string }>, options?: { sync?: boolean }) => Promise<void>
  values: (options: { gt?: string, lt?: string, gte?: string, lte?: string, limit?: number, reverse?: boolean }) => AsyncIterable<any>
}

const seqKey = (seq: number): string => String(seq).padStart(12, '0')
const targetKey = (name: string): string => `target!${name}`
const deadKey = (target: string, seq: number): string => `dead!${target}!${seqKey(seq)}`
const openPrefix = (target: string, recordId: string | null): string => `open!${target}!${recordId ?? '-'}!`
const retryKey = (target: string, seq: number): string => `retry!${target}!${seqKey(seq)}`
const OPEN: ReadonlySet<OutboxDeadLetterState> = new Set(['dead', 'retrying'])

export class OutboxStore {
  constructor (private readonly sub: OutboxSublevel) {}

  async getTarget (name: string): Promise<OutboxTargetState | undefined> {
    return await this.sub.get(targetKey(name)) ?? undefined
  }

  async listTargets (): Promise<OutboxTargetState[]> {
    return await this.collect<OutboxTargetState>({ gt: 'target!', lt: 'target!~' })
  }

  async getDeadLetter (target: string, seq: number): Promise<OutboxDeadLetter | undefined> {
    return await this.sub.get(deadKey(target, seq)) ?? undefined
  }

  /** Oldest first, of one target or of all (targets in name order). */
  async listDeadLetters (filter: { target?: string, states?: readonly OutboxDeadLetterState[], limit?: number } = {}): Promise<OutboxDeadLetter[]> {
    const prefix = filter.target === undefined ? 'dead!' : `dead!${filter.target}!`
    const states = filter.states ? new Set(filter.states) : null
    const limit = filter.limit ?? Infinity
    const out: OutboxDeadLetter[] = []
    for await (const d of this.sub.values({ gt: prefix, lt: `${prefix}~` })) {
      if (states && !states.has((d as OutboxDeadLetter).state)) continue
      out.push(d as OutboxDeadLetter)
      if (out.length >= limit) break
    }
    return out
  }

  /** The seq of a record's oldest dead letter still open (`dead` or `retrying`) at this target: its later messages wait. */
  async firstOpen (target: string, recordId: string): Promise<number | undefined> {
    const prefix = openPrefix(target, recordId)
    for await (const seq of this.sub.values({ gt: prefix, lt: `${prefix}~`, limit: 1 })) return seq as number
    return undefined
  }

  /** A record's open dead letters at this target, oldest first. */
  async openOfRecord (target: string, recordId: string | null): Promise<OutboxDeadLetter[]> {
    const prefix = openPrefix(target, recordId)
    const out: OutboxDeadLetter[] = []
    for await (const seq of this.sub.values({ gt: prefix, lt: `${prefix}~` })) {
      const d = await this.getDeadLetter(target, seq as number)
      if (d) out.push(d)
    }
    return out
  }

  /** The oldest dead letter an admin sent back to this target, if any. */
  async nextRetrying (target: string): Promise<OutboxDeadLetter | undefined> {
    for await (const seq of this.sub.values({ gt: `retry!${target}!`, lt: `retry!${target}!~`, limit: 1 })) return await this.getDeadLetter(target, seq as number)
    return undefined
  }

  async countOpen (target: string): Promise<{ dead: number, retrying: number }> {
    let dead = 0
    let retrying = 0
    for await (const seq of this.sub.values({ gt: `open!${target}!`, lt: `open!${target}!~` })) {
      const d = await this.getDeadLetter(target, seq as number)
      if (d?.state === 'dead') dead++
      else if (d?.state === 'retrying') retrying++
    }
    return { dead, retrying }
  }

  /** A target's new state and the dead letters it creates or changes: one synced batch, indexes kept in step. */
  async commit (change: { target?: OutboxTargetState, deadLetters?: OutboxDeadLetter[] }): Promise<void> {
    const ops: Array<{ type: 'put', key: string, value: unknown } | { type: 'del', key: string }> = []
    if (change.target) ops.push({ type: 'put', key: targetKey(change.target.name), value: change.target })
    for (const d of change.deadLetters ?? []) {
      ops.push({ type: 'put', key: deadKey(d.target, d.seq), value: d })
      const open = `${openPrefix(d.target, d.recordId)}${seqKey(d.seq)}`
      ops.push(OPEN.has(d.state) ? { type: 'put', key: open, value: d.seq } : { type: 'del', key: open })
      ops.push(d.state === 'retrying' ? { type: 'put', key: retryKey(d.target, d.seq), value: d.seq } : { type: 'del', key: retryKey(d.target, d.seq) })
    }
    if (ops.length > 0) await this.sub.batch(ops as any, { sync: true })
  }

  private async collect<T> (range: { gt: string, lt: string }): Promise<T[]> {
    const out: T[] = []
    for await (const v of this.sub.values(range)) out.push(v as T)
    return out
  }
}
