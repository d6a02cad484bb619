/**
 * Files arriving by replication or restore, kept as partial files (`<dataDir>/replica/partial/<sha256>`) until
 * whole. A cut transfer keeps what arrived (a process kill keeps the page cache; a power cut at worst leaves a
 * shorter or damaged tail, which the final hash catches and a fresh transfer cures), so the next session resumes
 * at the partial's size. A whole file is hashed, fsynced and renamed into the content-addressed store: a file is
 * in the store only if its bytes match its name.
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { AppError } from '../errors/index.js'
import type { FileStore } from '../store/index.js'

const SHA256 = /^[0-9a-f]{64}$/

export class PartialFiles {
  private readonly dir: string
  /** Open handles and running hashes of files being received in this process. */
  private readonly open = new Map<string, { handle: FileHandle, hash: Hash | null, hashed: number }>()

  constructor (private readonly files: FileStore, dataDir: string) {
    this.dir = join(dataDir, 'replica', 'partial')
  }

  private readonly owners = new Map<string, object>()

  reserve (sha256: string, owner: object): boolean {
    const current = this.owners.get(sha256)
    if (current !== undefined && current !== owner) return false
    this.owners.set(sha256, owner)
    return true
  }

  release (sha256: string, owner: object): void {
    if (this.owners.get(sha256) === owner) this.owners.delete(sha256)
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
      const handle = await open(this.path(sha256), offset === 0 ? 'w' : 'r+', 0o640)
      // A transfer from byte 0 is hashed as it arrives; a resumed one is hashed once whole.
      entry = { handle, hash: offset === 0 ? createHash('sha256') : null, hashed: 0 }
      this.open.set(sha256, entry)
    }
    await entry.handle.write(bytes, 0, bytes.byteLength, offset)
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
    await entry?.handle.close().catch(() => {})
    await rm(this.path(sha256), { force: true })
  }

  /** Closes handles of transfers cut by a stop (their partial files stay for the next session). */
  async close (): Promise<void> {
    for (const [sha, entry] of this.open) {
      this.open.delete(sha)
      await entry.handle.close().catch(() => {})
    }
  }
}
