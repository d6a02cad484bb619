// File-level rules of a watched folder: which names are never taken, and how a file is set aside into done/ or
// failed/ without ever overwriting or deleting anything.
import { constants } from 'node:fs'
import { lstat, mkdir, open, rename } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { AppError } from '../errors/index.js'

export const DONE_DIR = 'done'
export const FAILED_DIR = 'failed'

/** Names a copier, Samba or an office program uses while a file is still being written, and desktop litter. */
const TEMP_SUFFIXES = ['.part', '.partial', '.tmp', '.temp', '.crdownload', '.filepart', '.download', '.reason.txt']
const LITTER = new Set(['thumbs.db', 'desktop.ini', DONE_DIR, FAILED_DIR])

export function isIgnoredName (name: string): boolean {
  const lower = name.toLowerCase()
  return name.startsWith('.') || name.startsWith('~$') || name.endsWith('~') || LITTER.has(lower) ||
    TEMP_SUFFIXES.some(suffix => lower.endsWith(suffix))
}

/**
 * Moves `<folder>/<name>` into `<folder>/<sub>/`, keeping the name or adding `-1`, `-2`... before the extension
 * when taken. With `reason`, writes `<final name>.reason.txt` beside it first, so a crash never leaves a refused
 * file without its reason. Same directory tree, so the move is a rename: atomic, also on SMB and NFS.
 * Returns the final name. Only this watcher writes into done/ and failed/, so check-then-rename is safe.
 */
export async function setAside (folder: string, sub: string, name: string, reason?: string): Promise<string> {
  const dir = join(folder, sub)
  await realDirectory(dir)
  const target = await freeName(dir, name, reason !== undefined)
  if (reason !== undefined) await createNoFollow(join(dir, `${target}.reason.txt`), reason)
  await rename(join(folder, name), join(dir, target))
  return target
}

/**
 * `done/` or `failed/` as a real folder inside the watched one, made if missing. Anyone who can write to the share
 * could put a symlink there instead (to /etc, to the data directory): then nothing is moved or written (issue 15).
 */
async function realDirectory (dir: string): Promise<void> {
  await mkdir(dir).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err })
  const stat = await lstat(dir)
  if (!stat.isDirectory()) throw new AppError('STORAGE_FAILED', { reason: 'not a real folder (a symlink?)', folder: dir.split(/[\\/]/).pop() })
}

/** Creates a new file and never follows a link: a name already there (a planted symlink too) is an error. */
async function createNoFollow (path: string, text: string): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
  try {
    await handle.writeFile(text, 'utf8')
  } finally {
    await handle.close()
  }
}

/**
 * Reads a watched file without following a symlink, and checks what was read is the regular file seen: a file
 * swapped for a link between the listing and the read (to /etc/shadow, to another unit's folder) is never taken.
 * Returns the bytes and the stat of the open file.
 */
export async function readNoFollow (path: string): Promise<{ bytes: Buffer, size: number, mtimeMs: number }> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' })
    const bytes = await handle.readFile()
    return { bytes, size: stat.size, mtimeMs: stat.mtimeMs }
  } finally {
    await handle.close()
  }
}

async function freeName (dir: string, name: string, withReason: boolean): Promise<string> {
  const ext = extname(name)
  const stem = ext ? name.slice(0, -ext.length) : name
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? name : `${stem}-${n}${ext}`
    if (await exists(join(dir, candidate))) continue
    if (withReason && await exists(join(dir, `${candidate}.reason.txt`))) continue
    return candidate
  }
}

async function exists (path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}
