/**
 * Content-addressed file store: each file is named by the SHA-256 of its bytes under two fan-out folders
 * (`files/ab/cd/abcd…`). A write goes through `writeFileAtomic` (temp file in `files/tmp/`, fsync, rename, folder
 * fsync), so once `put` resolves the bytes survive a power cut. Identical bytes are stored once. Callers commit the
 * LevelDB entries that reference a file only after `put` resolves: a crash between the two leaves an unreferenced
 * file (harmless, swept later), never a reference to a missing file.
 *
 * `sweep` removes the files nothing references (issue 15): after a lawful deletion, and at the next open when a
 * crash came between a deletion's commit and the removal of its files (see `Store.sweepFiles`). New fan-out folders
 * are fsynced in their parents, so a file a batch references cannot vanish with its folder in a power cut.
 */
import { createHash } from 'node:crypto'
import { createReadStream, type ReadStream } from 'node:fs'
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../errors/index.js'
import { writeFileAtomic } from './atomic-write.js'

const SHA256 = /^[0-9a-f]{64}$/

export interface StoredFile {
  sha256: string
  size: number
  /** True when these bytes were already stored. */
  existed: boolean
}

export class FileStore {
  readonly root: string
  private readonly tmp: string
  /** Fan-out folders known to be on disk (made and fsynced, or found): no mkdir per put. */
  private readonly knownFolders = new Set<string>()

  constructor (root: string) {
    this.root = root
    this.tmp = join(root, 'tmp')
  }

  async init (): Promise<void> {
    await mkdir(this.tmp, { recursive: true })
    // Leftovers of writes cut by a crash: never referenced by anything.
    for (const name of await readdir(this.tmp)) await rm(join(this.tmp, name), { force: true })
  }

  static hash (bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex')
  }

  path (sha256: string): string {
    if (!SHA256.test(sha256)) throw new AppError('VALIDATION', { sha256: 'not a SHA-256 hex digest' })
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256)
  }

  async has (sha256: string): Promise<boolean> {
    try {
      await stat(this.path(sha256))
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
  }

  async put (bytes: Uint8Array, knownSha256?: string): Promise<StoredFile> {
    const sha256 = knownSha256 ?? FileStore.hash(bytes)
    const target = this.path(sha256)
    if (await this.has(sha256)) return { sha256, size: bytes.byteLength, existed: true }
    try {
      await this.ensureFanOut(sha256)
      // Not exclusive: a concurrent put of the same bytes writes the same content, so either rename may win.
      await writeFileAtomic(target, bytes, { tempDir: this.tmp })
    } catch (err) {
      throw new AppError('STORAGE_FAILED', undefined, err)
    }
    return { sha256, size: bytes.byteLength, existed: false }
  }

  /**
   * `ab/` and `ab/cd/`, each made if missing and then fsynced in its parent: the file's own rename is fsynced in
   * `ab/cd/` by writeFileAtomic, but a folder entry that never reached the disk would take the file with it.
   */
  private async ensureFanOut (sha256: string): Promise<void> {
    const first = join(this.root, sha256.slice(0, 2))
    const second = join(first, sha256.slice(2, 4))
    if (this.knownFolders.has(second)) return
    for (const [dir, parent] of [[first, this.root], [second, first]] as const) {
      const made = await mkdir(dir).then(() => true, (err: NodeJS.ErrnoException) => { if (err.code === 'EEXIST') return false; throw err })
      if (made) await fsyncDir(parent)
    }
    this.knownFolders.add(second)
  }

  /**
   * Removes every stored file (`ab/cd/<sha256>`, never `tmp/`) for which `referenced` is false, then fsyncs the
   * folders it removed from. Crash-safe by construction: it only removes what nothing references, so cut anywhere
   * it leaves files the next sweep takes. Callers must hold off writers (Store.open runs it before any).
   */
  async sweep (referenced: (sha256: string) => boolean): Promise<{ removed: number, kept: number }> {
    let removed = 0
    let kept = 0
    const fanOut = /^[0-9a-f]{2}$/
    for (const a of await readdir(this.root).catch(() => [] as string[])) {
      if (!fanOut.test(a)) continue
      for (const b of await readdir(join(this.root, a)).catch(() => [] as string[])) {
        if (!fanOut.test(b)) continue
        const dir = join(this.root, a, b)
        let touched = false
        for (const name of await readdir(dir).catch(() => [] as string[])) {
          if (!SHA256.test(name) || !name.startsWith(a + b)) continue
          if (referenced(name)) { kept++; continue }
          await rm(join(dir, name), { force: true })
          removed++
          touched = true
        }
        if (touched) await fsyncDir(dir)
      }
    }
    return { removed, kept }
  }

  async read (sha256: string): Promise<Buffer> {
    return await readFile(this.path(sha256))
  }

  stream (sha256: string): ReadStream {
    return createReadStream(this.path(sha256))
  }

  /** Re-hashes a stored file: false when its bytes no longer match its name. */
  async verify (sha256: string): Promise<boolean> {
    const hash = createHash('sha256')
    for await (const chunk of this.stream(sha256)) hash.update(chunk as Buffer)
    return hash.digest('hex') === sha256
  }
}

async function fsyncDir (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
