/**
 * The data layout's numbered migrations. A data directory records the layout it was last migrated to (meta
 * `layoutVersion`); `Store.open` runs, in order, every migration above it before anything else reads or writes.
 *
 * The contract of a migration:
 * - `version` is the layout it brings the data to: the previous one + 1. LAYOUT_VERSION is the last one's.
 * - `up` is idempotent: it may run again over data it already (partly) changed, since a crash (kill -9, power
 *   loss) can cut it anywhere. A small migration returns all its writes; they commit in one synced batch with the
 *   version bump, so it happened entirely or not at all. A big one may commit its own batches on the way (each
 *   skipping what is already done) and return the last writes.
 * - It names the keys as they were at its time (literal strings, not `META`): a later rename must not change
 *   what an old migration reads.
 * - A new data directory starts at LAYOUT_VERSION and runs none.
 */
import type { Store } from './index.js'
import type { SublevelName } from './keys.js'

export type MigrationWrite =
  | { type: 'put', sublevel: SublevelName, key: string, value: unknown }
  | { type: 'del', sublevel: SublevelName, key: string }

export interface Migration {
  version: number
  /** What it changes, for the log and for a reader of this list. */
  name: string
  up: (store: Store) => Promise<MigrationWrite[]>
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 2,
    name: 'meta: the district\'s replication state moves from `sync` to `districtSync`',
    up: async (store) => {
      const meta = store.sub('meta')
      const old = await meta.get('sync')
      if (old === undefined) return []
      // Already moved by an earlier run whose version bump was lost: the key under the new name wins.
      const moved = await meta.get('districtSync')
      return [
        ...(moved === undefined ? [{ type: 'put' as const, sublevel: 'meta' as const, key: 'districtSync', value: old }] : []),
        { type: 'del', sublevel: 'meta', key: 'sync' }
      ]
    }
  },
  {
    version: 3,
    name: 'the index jobs (`indexjobs`, `<recordId>!<seq>`) become record jobs of the index step (`recordjobs`, `index!<recordId>!<seq>`)',
    up: async (store) => {
      const writes: MigrationWrite[] = []
      // Each old key keeps its sequence part, so a rerun writes the same new key again instead of a second job.
      for await (const key of store.sub('indexjobs').keys() as AsyncIterable<string>) {
        const cut = key.lastIndexOf('!')
        const recordId = key.slice(0, cut)
        writes.push({ type: 'del', sublevel: 'indexjobs', key })
        writes.push({ type: 'put', sublevel: 'recordjobs', key: `index!${recordId}!${key.slice(cut + 1)}`, value: { step: 'index', subject: recordId, at: new Date().toISOString() } })
      }
      return writes
    }
  },
  {
    version: 4,
    name: 'archiving becomes three record steps (sign, package, log): the `archive` step\'s jobs (`recordjobs`, `archive!<recordId>!<seq>`) become `sign` jobs, and an approved record with no archiving job gets one (before layout 3 that queue lived in memory, refilled at each start)',
    up: async (store) => {
      const writes: MigrationWrite[] = []
      const jobs = store.sub('recordjobs')
      const due = new Set<string>()
      for await (const key of jobs.keys({ gt: 'archive!', lt: 'archive!\xff' }) as AsyncIterable<string>) {
        const rest = key.slice('archive!'.length)
        const recordId = rest.slice(0, rest.lastIndexOf('!'))
        writes.push({ type: 'del', sublevel: 'recordjobs', key })
        writes.push({ type: 'put', sublevel: 'recordjobs', key: `sign!${rest}`, value: { step: 'sign', subject: recordId, at: new Date().toISOString() } })
        due.add(recordId)
      }
      for (const step of ['sign', 'package', 'log']) {
        for await (const key of jobs.keys({ gt: `${step}!`, lt: `${step}!\xff` }) as AsyncIterable<string>) {
          due.add(key.slice(step.length + 1, key.lastIndexOf('!')))
        }
      }
      for await (const r of store.sub('records').values() as AsyncIterable<{ id: string, status: string, deleted?: unknown, supersededBy?: unknown }>) {
        if (r.status !== 'approved' || r.deleted || r.supersededBy || due.has(r.id)) continue
        // A fixed sequence part: a rerun writes the same key again, not a second job.
        writes.push({ type: 'put', sublevel: 'recordjobs', key: `sign!${r.id}!000000000.000000`, value: { step: 'sign', subject: r.id, at: new Date().toISOString() } })
      }
      return writes
    }
  }
]

/** The layout this sohoa writes: the last migration's version. */
export const LAYOUT_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 1

/** Throws unless the versions run 2, 3, 4, … with no gap or repeat (a slip here would skip or rerun one). */
export function checkMigrations (migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 2) throw new Error(`migration "${m.name}" has version ${m.version}, expected ${i + 2}`)
  })
}
