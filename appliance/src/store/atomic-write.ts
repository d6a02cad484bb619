/**
 * The one durable, atomic file write of the appliance: the bytes go to a temp file, which is fsynced and then moved
 * into place (rename) or linked into place (hard link, `exclusive`), and the target's folder is fsynced. Once it
 * resolves, the file survives a power cut, and no reader ever sees a half-written file under the final name.
 *
 * `exclusive` creates the file once: `link` fails when the name exists, so two processes racing to create the same
 * file agree on one (the loser gets `false` and reads the winner's). Without it, an existing file is replaced.
 * Errors are the file system's own; callers map them to their error codes. Folders are the caller's to create (with
 * the modes they need); the temp folder, when given, must be on the target's file system.
 */
import { randomBytes } from 'node:crypto'
import { link, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export interface AtomicWriteOptions {
  /** Permission bits of a new file (before the umask); default 0o640. */
  mode?: number
  /** Never replace an existing file: resolve `false` and leave it as it is. */
  exclusive?: boolean
  /** Where the temp file goes (default: the target's folder), e.g. a folder swept at start for crash leftovers. */
  tempDir?: string
}

/** Writes `bytes` to `file` durably and atomically; `false` only when `exclusive` and the file already existed. */
export async function writeFileAtomic (file: string, bytes: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<boolean> {
  const dir = dirname(file)
  const temp = join(opts.tempDir ?? dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  let tempLeft = true
  try {
    const handle = await open(temp, 'wx', opts.mode ?? 0o640)
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (opts.exclusive === true) {
      try {
        await link(temp, file)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
        throw err
      }
    } else {
      await rename(temp, file)
      tempLeft = false
    }
    await syncDir(dir)
    return true
  } finally {
    // A link (or a failure) leaves the temp name behind; a crash before this line leaves it for the caller's sweep.
    if (tempLeft) await rm(temp, { force: true }).catch(() => {})
  }
}

/** fsyncs a folder: what was created, renamed or removed in it survives a power cut. */
export async function syncDir (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
