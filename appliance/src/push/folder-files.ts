// File-level rules of a watched folder: which names are never taken, and how a file is set aside into done/ or
// failed/ without ever overwriting or deleting anything.
import { lstat, mkdir, rename, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'

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
  await mkdir(dir, { recursive: true })
  const target = await freeName(dir, name, reason !== undefined)
  if (reason !== undefined) await writeFile(join(dir, `${target}.reason.txt`), reason, 'utf8')
  await rename(join(folder, name), join(dir, target))
  return target
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
