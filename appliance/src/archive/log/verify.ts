/**
 * `sohoa verify` and the fixity check: the whole archive checked against its signed log.
 *
 * 1. The chain: every stored entry in order, its key's sequence number, canonical bytes, a signature by a key this
 *    log has (from that key's `since`), and its link to the previous entry's hash.
 * 2. The files: every file in the file store re-hashed as a stream (a file whose bytes no longer match its name),
 *    every file an entry vouches for present with its size (lawfully deleted records excepted).
 * 3. The records: each archived record points only at files its own entries vouch for.
 *
 * A failure names the record it concerns: an entry's record comes from the log's index (so even an entry damaged
 * beyond decoding is traced), a file's from the entries that vouch for it, else from the pages and records using it.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { isAppError } from '../../errors/index.js'
import type { LogSigner, RecordEntry, Store } from '../../store/index.js'
import { decodeEnvelope, entryHash, verifyEnvelope, ZERO_HASH } from './envelope.js'
import type { ArchiveLog } from './log.js'

export interface IntegrityFailure {
  recordId?: string
  seq?: number
  sha256?: string
  /**
   * Entries: `format`, `signature`, `seq` (a gap or a key that disagrees), `chain`, `signer` (a key this log never
   * had), `index` (the record index disagrees with the entry). Files: `mismatch` (bytes ≠ name), `missing`, `size`,
   * `unreadable`. Records: `unlogged` (archived without a `record.archived` entry), `unvouched` (points at a file
   * its entries do not vouch for).
   */
  problem: string
}

export interface VerifyProgress {
  phase: 'log' | 'files' | 'records'
  done: number
  total: number
  /** Files phase: bytes hashed so far, and in all. */
  bytes?: number
  totalBytes?: number
}

export interface VerifyOptions {
  store: Store
  archiveLog: ArchiveLog
  onProgress?: (p: VerifyProgress) => void
}

export interface VerifyResult {
  /** Log entries checked. */
  entries: number
  /** Stored files re-hashed. */
  files: number
  /** Bytes re-hashed. */
  bytes: number
  /** Records the log vouches files for and has not deleted. */
  records: number
  failures: IntegrityFailure[]
}

/** What the walk learnt besides the result: the fixity check records one event per live record. */
export interface ArchiveInspection extends VerifyResult {
  liveRecords: string[]
}

const SHA256 = /^[0-9a-f]{64}$/
const HEX2 = /^[0-9a-f]{2}$/
const READ_CHUNK = 1024 * 1024

export async function verifyArchive (opts: VerifyOptions): Promise<VerifyResult> {
  const { liveRecords: _, ...result } = await inspectArchive(opts)
  return result
}

export async function inspectArchive ({ store, archiveLog, onProgress }: VerifyOptions): Promise<ArchiveInspection> {
  const failures: IntegrityFailure[] = []
  const chain = await walkChain(store, await archiveLog.signers(), failures, onProgress)
  const files = await checkFiles(store, chain, failures, onProgress)
  await checkRecords(store, chain, failures, onProgress)
  await nameUnclaimed(store, failures)
  const liveRecords = [...chain.archived].filter(id => !chain.deleted.has(id))
  return { entries: chain.entries, files: files.files, bytes: files.bytes, records: liveRecords.length, failures, liveRecords }
}

interface ChainFacts {
  entries: number
  /** File → the records whose entries vouch for it ('' for an entry naming no record). */
  refs: Map<string, string[]>
  sizes: Map<string, number>
  archived: Set<string>
  deleted: Set<string>
}

async function walkChain (store: Store, signers: LogSigner[], failures: IntegrityFailure[], onProgress?: VerifyOptions['onProgress']): Promise<ChainFacts> {
  const facts: ChainFacts = { entries: 0, refs: new Map(), sizes: new Map(), archived: new Set(), deleted: new Set() }
  const allowed = new Map(signers.map(s => [s.peerId, s.since]))
  const total = (await store.archiveLog.last())?.seq ?? 0
  let expected = 1
  let prevHash: string | undefined = ZERO_HASH
  await store.archiveLog.scan(async (rows) => {
    const indexed = await store.archiveLog.recordsOf(rows.map(r => r.seq))
    for (const [i, row] of rows.entries()) {
      facts.entries++
      const fail = (problem: string, recordId = indexed[i] ?? lenientRecordId(row.envelope)): void => {
        failures.push({ ...(recordId ? { recordId } : {}), seq: row.seq, problem })
      }
      if (!Number.isSafeInteger(row.seq) || row.seq < 1) {
        fail('format')
        prevHash = undefined
        continue
      }
      if (row.seq !== expected) {
        // Entries are gone: their records are still named by the index when it kept them.
        const gap = Array.from({ length: Math.min(row.seq - expected, 1000) }, (_, k) => expected + k).filter(s => s > 0)
        const lost = await store.archiveLog.recordsOf(gap)
        for (const [k, seq] of gap.entries()) failures.push({ ...(lost[k] ? { recordId: lost[k] } : {}), seq, problem: 'seq' })
        prevHash = undefined
      }
      expected = row.seq + 1
      const hash = entryHash(row.envelope)
      try {
        const node = decodeEnvelope(row.envelope).body.node
        const since = allowed.get(node)
        if (since === undefined || since > row.seq) {
          fail('signer')
          prevHash = undefined
          continue
        }
        const body = verifyEnvelope(row.envelope, { expectedSeq: row.seq, peerId: node })
        // A broken link blames the entry whose bytes were changed before it, but this entry is authentic: what it
        // vouches for still counts (its record is not reported a second time as unlogged).
        if (prevHash !== undefined && body.prev !== prevHash) fail('chain')
        if ((body.recordId ?? undefined) !== indexed[i]) fail('index', body.recordId ?? indexed[i])
        const recordId = body.recordId ?? ''
        for (const f of body.files ?? []) {
          const users = facts.refs.get(f.sha256)
          if (!users) facts.refs.set(f.sha256, [recordId])
          else if (!users.includes(recordId)) users.push(recordId)
          facts.sizes.set(f.sha256, f.size)
        }
        if (body.recordId && body.type === 'record.archived') facts.archived.add(body.recordId)
        if (body.recordId && body.type === 'record.deleted') facts.deleted.add(body.recordId)
        prevHash = hash
      } catch (err) {
        fail(problemOf(err))
        // The next entry's link cannot be judged against damaged bytes; its own signature still is.
        prevHash = undefined
      }
    }
    onProgress?.({ phase: 'log', done: facts.entries, total })
  })
  return facts
}

/** The record a damaged entry seems to name, when its JSON still parses (the index is asked first). */
function lenientRecordId (envelope: Uint8Array): string | undefined {
  try {
    const body = JSON.parse(JSON.parse(Buffer.from(envelope).toString('utf8')).body)
    return typeof body.recordId === 'string' ? body.recordId : undefined
  } catch {
    return undefined
  }
}

function problemOf (err: unknown): string {
  if (isAppError(err) && typeof err.details?.problem === 'string') return err.details.problem
  return 'format'
}

async function checkFiles (store: Store, chain: ChainFacts, failures: IntegrityFailure[], onProgress?: VerifyOptions['onProgress']): Promise<{ files: number, bytes: number }> {
  const listed = await listStoredFiles(store.files.root)
  const present = new Set(listed.map(f => f.sha256))
  const live = (ids: string[]): string[] => ids.filter(id => id === '' || !chain.deleted.has(id))
  for (const [sha256, users] of chain.refs) {
    if (present.has(sha256)) continue
    for (const id of live(users)) failures.push({ ...(id ? { recordId: id } : {}), sha256, problem: 'missing' })
  }
  const totalBytes = listed.reduce((n, f) => n + f.size, 0)
  let bytes = 0
  let done = 0
  for (const file of listed) {
    let problem: string | null = null
    try {
      const { sha256, size } = await hashFile(file.path)
      bytes += size
      if (sha256 !== file.sha256) problem = 'mismatch'
      else if (chain.sizes.has(sha256) && chain.sizes.get(sha256) !== size) problem = 'size'
    } catch {
      problem = 'unreadable'
    }
    if (problem) {
      const users = chain.refs.get(file.sha256) ?? []
      if (users.length === 0) failures.push({ sha256: file.sha256, problem })
      for (const id of users) failures.push({ ...(id ? { recordId: id } : {}), sha256: file.sha256, problem })
    }
    done++
    onProgress?.({ phase: 'files', done, total: listed.length, bytes, totalBytes })
  }
  return { files: done, bytes }
}

async function listStoredFiles (root: string): Promise<Array<{ sha256: string, path: string, size: number }>> {
  const out: Array<{ sha256: string, path: string, size: number }> = []
  const dirs = async (dir: string): Promise<string[]> => (await readdir(dir, { withFileTypes: true })).filter(d => d.isDirectory() && HEX2.test(d.name)).map(d => d.name).sort()
  for (const a of await dirs(root)) {
    for (const b of await dirs(join(root, a))) {
      for (const entry of (await readdir(join(root, a, b), { withFileTypes: true })).sort((x, y) => x.name < y.name ? -1 : 1)) {
        if (!entry.isFile() || !SHA256.test(entry.name)) continue
        const path = join(root, a, b, entry.name)
        out.push({ sha256: entry.name, path, size: (await stat(path)).size })
      }
    }
  }
  return out
}

/** SHA-256 of a file read as a stream (1 MiB chunks: a 200 MB master never sits in memory). */
export async function hashFile (path: string): Promise<{ sha256: string, size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).byteLength
  }
  return { sha256: hash.digest('hex'), size }
}

/** Each archived record may point only at files its own entries vouch for. */
async function checkRecords (store: Store, chain: ChainFacts, failures: IntegrityFailure[], onProgress?: VerifyOptions['onProgress']): Promise<void> {
  const archived: RecordEntry[] = []
  await store.scanRecords(records => { for (const r of records) if (r.status === 'archived' && !r.deleted) archived.push(r) })
  let done = 0
  for (let i = 0; i < archived.length; i += 500) {
    const chunk = archived.slice(i, i + 500)
    const pages = new Map((await store.getPages(chunk.flatMap(r => r.pageIds))).map(p => [p.id, p.sha256]))
    for (const record of chunk) {
      if (!chain.archived.has(record.id)) {
        failures.push({ recordId: record.id, problem: 'unlogged' })
        continue
      }
      const used = [record.pdf?.sha256, record.textSha256, record.sourceSha256, ...record.pageIds.map(id => pages.get(id))]
      for (const sha256 of new Set(used)) {
        if (!sha256) continue
        if (!chain.refs.get(sha256)?.includes(record.id)) failures.push({ recordId: record.id, sha256, problem: 'unvouched' })
      }
    }
    done += chunk.length
    onProgress?.({ phase: 'records', done, total: archived.length })
  }
}

/** A damaged file no entry vouches for (a thumbnail, a draft's page): name the records using it, if any. */
async function nameUnclaimed (store: Store, failures: IntegrityFailure[]): Promise<void> {
  const unclaimed = new Map<string, IntegrityFailure>()
  for (const f of failures) if (f.sha256 && !f.recordId && f.seq === undefined) unclaimed.set(f.sha256, f)
  if (unclaimed.size === 0) return
  const users = new Map<string, Set<string>>()
  const use = (sha256: string | undefined, recordId: string): void => {
    if (!sha256 || !unclaimed.has(sha256)) return
    if (!users.has(sha256)) users.set(sha256, new Set())
    users.get(sha256)!.add(recordId)
  }
  await store.scanPages(pages => { for (const p of pages) { use(p.sha256, p.recordId); use(p.thumbnailSha256, p.recordId); use(p.previewSha256, p.recordId) } })
  await store.scanRecords(records => { for (const r of records) { use(r.sourceSha256, r.id); use(r.pdf?.sha256, r.id); use(r.textSha256, r.id) } })
  for (const [sha256, ids] of users) {
    const failure = unclaimed.get(sha256)!
    const [first, ...rest] = [...ids]
    failure.recordId = first
    for (const id of rest) failures.push({ ...failure, recordId: id })
  }
}
