/**
 * Files arriving by replication or restore, kept as partial files (`<dataDir>/replica/partial/<sha256>`) until
 * whole. A cut transfer keeps what arrived (a process kill keeps the page cache; a power cut at worst leaves a
 * shorter or damaged tail, which the final hash catches and a fresh transfer cures), so the next session resumes
 * at the partial's size. A whole file is hashed, fsynced and renamed into the content-addressed store: a file is
 * in the store only if its bytes match its name.
 *
 * At the province each district's partial files live apart (`partial/d/<replica>/`) within a budget of bytes: a
 * district that claims large files and never finishes them cannot fill the disk. When a transfer needs room, the
 * district's stale partials (not being received now) go first, oldest first; past that the transfer is refused.
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { AppError } from '../errors/index.js'
import type { FileStore } from '../store/index.js'

const SHA256 = /^[0-9a-f]{64}$/

const REPLICA_ID = /^[1-9A-HJ-NP-Za-km-z]{20,100}$/

export class PartialFiles {
  private readonly dir: string
  /** Open handles and running hashes of files being received in this process. */
  private readonly open = new Map<string, { handle: FileHandle, hash: Hash | null, hashed: number }>()
  /** Bytes of partial files in `dir` (null: count them on disk next time). */
  private used: number | null = null
  private readonly scopes = new Map<string, PartialFiles>()

  constructor (private readonly files: FileStore, dataDir: string, private readonly budget = Infinity, dir?: string, private readonly owners = new Map<string, object>()) {
    this.dir = dir ?? join(dataDir, 'replica', 'partial')
  }

  /** One district's partial files, at most `budget` bytes of them. Reservations are shared: a file is received by one session at a time, whoever sends it. */
  scope (replica: string, budget: number): PartialFiles {
    if (!REPLICA_ID.test(replica)) throw new AppError('VALIDATION', { replica: 'not a peer ID' })
    let scoped = this.scopes.get(replica)
    if (!scoped) {
      scoped = new PartialFiles(this.files, '', budget, join(this.dir, 'd', replica), this.owners)
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
      scoped.used = null
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
    return await this.files.has(sha256)
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
      this.used = null
      if (this.budget !== Infinity) await mkdir(this.dir, { recursive: true, mode: 0o750 })
      const handle = await open(this.path(sha256), offset === 0 ? 'w' : 'r+', 0o640)
      // A transfer from byte 0 is hashed as it arrives; a resumed one is hashed once whole.
      entry = { handle, hash: offset === 0 ? createHash('sha256') : null, hashed: 0 }
      this.open.set(sha256, entry)
    }
    await this.makeRoom(sha256, bytes.byteLength)
    await entry.handle.write(bytes, 0, bytes.byteLength, offset)
    if (this.used !== null) this.used += bytes.byteLength
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
    this.used = null
    let digest: string
    if (entry) {
      await entry.handle.sync()
      await entry.handle.close()
    }
    if ((await this.partialSize(sha256)) !== size) return false
    if (entry?.hash && entry.hashed === size) digest = entry.hash.digest('hex')
    else {
      const hash = createHash('sha256')
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
      digest = hash.digest('hex')
      if (!entry) {
        const handle = await open(file, 'r')
        await handle.sync().finally(async () => await handle.close())
      }
    }
    if (digest !== sha256) return false
    if (await this.files.has(sha256)) {
      await rm(file, { force: true })
      return true
    }
    const target = this.files.path(sha256)
    await mkdir(dirname(target), { recursive: true })
    await rename(file, target)
    const dir = await open(dirname(target), 'r')
    try { await dir.sync() } finally { await dir.close() }
    return true
  }

  async discard (sha256: string): Promise<void> {
    const entry = this.open.get(sha256)
    this.open.delete(sha256)
    this.used = null
    await entry?.handle.close().catch(() => {})
    await rm(this.path(sha256), { force: true })
  }

  /** Keeps this directory's partial bytes within the budget: stale partials go first, oldest first; then refusal. */
  private async makeRoom (sha256: string, bytes: number): Promise<void> {
    if (this.budget === Infinity) return
    this.used ??= (await this.listing()).reduce((s, f) => s + (this.finishing(f.name) ? 0 : f.size), 0)
    if (this.used + bytes <= this.budget) return
    const stale = (await this.listing()).filter(f => f.name !== sha256 && !this.open.has(f.name) && !this.owners.has(f.name)).sort((a, b) => a.mtimeMs - b.mtimeMs)
    for (const f of stale) {
      await rm(join(this.dir, f.name), { force: true })
      this.used -= f.size
      if (this.used + bytes <= this.budget) return
    }
    this.used = null
    throw new AppError('SYNC_PARTIAL_SPACE', { budget: this.budget })
  }

  /** A file hashed and moved into the store right now does not count: it is whole. */
  private finishing (name: string): boolean {
    return !this.open.has(name) && this.owners.has(name)
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
