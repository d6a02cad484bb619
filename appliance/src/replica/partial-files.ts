/**
 * Files arriving by replication or restore, kept as partial files (`<dataDir>/replica/partial/<sha256>`) until
 * whole. A cut transfer keeps what arrived (a process kill keeps the page cache; a power cut at worst leaves a
 * shorter or damaged tail, which the final hash catches and a fresh transfer cures), so the next session resumes
 * at the partial's size. A whole file is hashed, made durable and renamed into the content-addressed store: a file is
 * in the store only if its bytes match its name.
 *
 * Durability is grouped: a whole, verified file waits in the partial folder until `flush`, which the receiver calls
 * once per batch of entries before it commits them: one syncfs(2) makes every waiting file's bytes durable, the
 * files are renamed into the store, and a second syncfs makes the renames durable. Two flushes per batch instead of
 * two fsyncs per file (a batch of 100 KB records moves hundreds of files). Only what is in the store counts as
 * held, so a power cut before the flush leaves at most partial files, which the final hash checks again.
 *
 * At the province each district's partial files live apart (`partial/d/<replica>/`) within a budget of bytes: a
 * district that claims large files and never finishes them cannot fill the disk. When a transfer needs room, the
 * district's stale partials (not being received now) go first, oldest first; past that the transfer is refused.
 */
import { createHash, type Hash } from 'node:crypto'
import { execFile } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat, truncate, writeFile, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { AppError } from '../errors/index.js'
import type { FileStore } from '../store/index.js'

const SHA256 = /^[0-9a-f]{64}$/

const REPLICA_ID = /^[1-9A-HJ-NP-Za-km-z]{20,100}$/

export class PartialFiles {
  private readonly dir: string
  /** Open handles and running hashes of files being received in this process. */
  private readonly open = new Map<string, { handle: FileHandle, hash: Hash | null, hashed: number }>()
  /** Sizes of the partial files in `dir` that take the district's room (null: not read from disk yet). */
  private sizes: Map<string, number> | null = null
  private readonly scopes = new Map<string, PartialFiles>()
  /** Whole, verified files waiting for `flush` (still in a partial folder), shared by every district's folder. */
  private readonly whole: Map<string, string>
  private readonly shared: { flushing: Promise<void>, madeDirs: Set<string> }

  constructor (private readonly files: FileStore, dataDir: string, private readonly budget = Infinity, dir?: string, private readonly owners = new Map<string, object>(), parent?: PartialFiles) {
    this.dir = dir ?? join(dataDir, 'replica', 'partial')
    // One pending set for all: a file one district sent whole is held for every other (it is not sent twice),
    // and whichever session flushes first moves it into the store.
    this.whole = parent?.whole ?? new Map()
    this.shared = parent?.shared ?? { flushing: Promise.resolve(), madeDirs: new Set() }
  }

  /** One district's partial files, at most `budget` bytes of them. Reservations are shared: a file is received by one session at a time, whoever sends it. */
  scope (replica: string, budget: number): PartialFiles {
    if (!REPLICA_ID.test(replica)) throw new AppError('VALIDATION', { replica: 'not a peer ID' })
    let scoped = this.scopes.get(replica)
    if (!scoped) {
      scoped = new PartialFiles(this.files, '', budget, join(this.dir, 'd', replica), this.owners, this)
      this.scopes.set(replica, scoped)
    }
    return scoped
  }

  reserve (sha256: string, owner: object): boolean {
    const current = this.owners.get(sha256)
    if (current !== undefined && current !== owner) return false
    this.owners.set(sha256, owner)
    return true
  }

  release (sha256: string, owner: object): void {
    if (this.owners.get(sha256) !== owner) return
    this.owners.delete(sha256)
    // The session that received it is over: its partial stays (a later session resumes it, or it is dropped when
    // the district needs the room), its handle does not.
    for (const scoped of [this, ...this.scopes.values()]) {
      const entry = scoped.open.get(sha256)
      if (!entry) continue
      scoped.open.delete(sha256)
      void entry.handle.close().catch(() => {})
    }
  }

  async init (): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o750 })
  }

  private path (sha256: string): string {
    if (!SHA256.test(sha256)) throw new AppError('VALIDATION', { sha256: 'not a SHA-256 hex digest' })
    return join(this.dir, sha256)
  }

  async has (sha256: string): Promise<boolean> {
    return this.whole.has(sha256) || await this.files.has(sha256)
  }

  async partialSize (sha256: string): Promise<number> {
    try {
      return (await stat(this.path(sha256))).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
      throw err
    }
  }

  async append (sha256: string, offset: number, bytes: Uint8Array): Promise<number> {
    let entry = this.open.get(sha256)
    if (!entry) {
      if (offset > 0) {
        const size = await this.partialSize(sha256)
        if (size < offset) throw new AppError('VALIDATION', { sha256, offset, size, problem: 'gap in a partial file' })
        if (size > offset) await truncate(this.path(sha256), offset)
      }
      this.sizes?.set(sha256, offset)
      if (this.budget !== Infinity) await mkdir(this.dir, { recursive: true, mode: 0o750 })
      const handle = await open(this.path(sha256), offset === 0 ? 'w' : 'r+', 0o640)
      // A transfer from byte 0 is hashed as it arrives; a resumed one is hashed once whole.
      entry = { handle, hash: offset === 0 ? createHash('sha256') : null, hashed: 0 }
      this.open.set(sha256, entry)
    }
    await this.makeRoom(sha256, bytes.byteLength)
    await entry.handle.write(bytes, 0, bytes.byteLength, offset)
    this.sizes?.set(sha256, offset + bytes.byteLength)
    if (entry.hash && entry.hashed === offset) {
      entry.hash.update(bytes)
      entry.hashed += bytes.byteLength
    } else entry.hash = null
    return offset + bytes.byteLength
  }

  async complete (sha256: string, size: number): Promise<boolean> {
    const file = this.path(sha256)
    const entry = this.open.get(sha256)
    this.open.delete(sha256)
    // Whole (or about to be dropped): it no longer takes the district's room.
    this.sizes?.delete(sha256)
    let digest: string
    if (entry) await entry.handle.close()
    if ((await this.partialSize(sha256)) !== size) return false
    if (entry?.hash && entry.hashed === size) digest = entry.hash.digest('hex')
    else {
      const hash = createHash('sha256')
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
      digest = hash.digest('hex')
    }
    if (digest !== sha256) return false
    if (await this.files.has(sha256)) {
      await rm(file, { force: true })
      return true
    }
    this.whole.set(sha256, file)
    return true
  }

  /** A whole file in one piece: hashed in memory, written without a handle kept, waiting for `flush`. */
  async put (sha256: string, bytes: Uint8Array): Promise<boolean> {
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) return false
    // Not asking the store again (a stat per file): the file was wanted because the store lacked it, and should
    // another session have stored it meanwhile, the flush renames the same bytes over it.
    if (this.whole.has(sha256)) return true
    await this.makeRoom(sha256, bytes.byteLength)
    this.sizes?.set(sha256, bytes.byteLength)
    await writeFile(this.path(sha256), bytes, { mode: 0o640 }).catch(async (err: NodeJS.ErrnoException) => {
      // A district's folder is made on its first file (one mkdir, not one per file).
      if (err.code !== 'ENOENT') throw err
      await mkdir(this.dir, { recursive: true, mode: 0o750 })
      await writeFile(this.path(sha256), bytes, { mode: 0o640 })
    })
    this.sizes?.delete(sha256)
    this.whole.set(sha256, this.path(sha256))
    return true
  }

  /** Makes the whole files durable and moves them into the store (see the top of this file). Call before a commit. */
  async flush (): Promise<void> {
    const run = this.shared.flushing.then(async () => await this.flushNow())
    this.shared.flushing = run.catch(() => {})
    await run
  }

  private async flushNow (): Promise<void> {
    if (this.whole.size === 0) return
    const pending = [...this.whole]
    const grouped = await syncFileSystem(this.dir)
    const dirs = new Set<string>()
    for (const [sha, file] of pending) {
      const target = this.files.path(sha)
      if (!grouped) {
        const handle = await open(file, 'r')
        await handle.sync().finally(async () => await handle.close())
      }
      if (!this.shared.madeDirs.has(dirname(target))) {
        await mkdir(dirname(target), { recursive: true })
        this.shared.madeDirs.add(dirname(target))
      }
      await rename(file, target)
      dirs.add(dirname(target))
      this.whole.delete(sha)
    }
    if (grouped && await syncFileSystem(this.files.path(pending[0][0]))) return
    for (const d of dirs) {
      const dir = await open(d, 'r')
      try { await dir.sync() } finally { await dir.close() }
    }
  }



  async discard (sha256: string): Promise<void> {
    const entry = this.open.get(sha256)
    this.open.delete(sha256)
    if (this.whole.get(sha256) === this.path(sha256)) this.whole.delete(sha256)
    this.sizes?.delete(sha256)
    await entry?.handle.close().catch(() => {})
    await rm(this.path(sha256), { force: true })
  }

  /** Keeps this directory's partial bytes within the budget: stale partials go first, oldest first; then refusal. */
  private async makeRoom (sha256: string, bytes: number): Promise<void> {
    if (this.budget === Infinity) return
    const sizes = this.sizes ??= new Map((await this.listing()).filter(f => !this.whole.has(f.name)).map(f => [f.name, f.size]))
    const used = (): number => { let n = 0; for (const v of sizes.values()) n += v; return n }
    if (used() + bytes <= this.budget) return
    const stale = (await this.listing()).filter(f => f.name !== sha256 && sizes.has(f.name) && !this.open.has(f.name) && !this.owners.has(f.name)).sort((a, b) => a.mtimeMs - b.mtimeMs)
    for (const f of stale) {
      await rm(join(this.dir, f.name), { force: true })
      sizes.delete(f.name)
      if (used() + bytes <= this.budget) return
    }
    throw new AppError('SYNC_PARTIAL_SPACE', { budget: this.budget })
  }

  private async listing (): Promise<Array<{ name: string, size: number, mtimeMs: number }>> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    const out = []
    for (const name of names) {
      if (!SHA256.test(name)) continue
      const st = await stat(join(this.dir, name)).catch(() => null)
      if (st?.isFile()) out.push({ name, size: st.size, mtimeMs: st.mtimeMs })
    }
    return out
  }

  /** Closes handles of transfers cut by a stop (their partial files stay for the next session). */
  async close (): Promise<void> {
    for (const scoped of this.scopes.values()) await scoped.close()
    for (const [sha, entry] of this.open) {
      this.open.delete(sha)
      await entry.handle.close().catch(() => {})
    }
  }
}

const run = promisify(execFile)

/**
 * syncfs(2) of the file system holding `path`, through coreutils' `sync -f` (Node has no syncfs): every dirty page
 * and metadata change there is durable when it returns. False when it cannot run (then files are fsynced one by one).
 */
async function syncFileSystem (path: string): Promise<boolean> {
  try {
    await run('sync', ['-f', path], { timeout: 120_000 })
    return true
  } catch {
    return false
  }
}
