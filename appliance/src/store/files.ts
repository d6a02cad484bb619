/**
 * Content-addressed file store: each file is named by the SHA-256 of its bytes under two fan-out folders
 * (`files/ab/cd/abcd…`). A write goes through `writeFileAtomic` (temp file in `files/tmp/`, fsync, rename, folder
 * fsync), so once `put` resolves the bytes survive a power cut. Identical bytes are stored once. Callers commit the
 * LevelDB entries that reference a file only after `put` resolves: a crash between the two leaves an unreferenced
 * file (harmless, swept later), never a reference to a missing file.
 */
import { createHash } from 'node:crypto'
import { createReadStream, type ReadStream } from 'node:fs'
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
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
      await mkdir(dirname(target), { recursive: true })
      // Not exclusive: a concurrent put of the same bytes writes the same content, so either rename may win.
      await writeFileAtomic(target, bytes, { tempDir: this.tmp })
    } catch (err) {
      throw new AppError('STORAGE_FAILED', undefined, err)
    }
    return { sha256, size: bytes.byteLength, existed: false }
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
