/** Reading stored files by range, for sending them to another node. */
import { open, stat } from 'node:fs/promises'
import type { FileStore } from '../store/index.js'

export async function storedFileSize (files: FileStore, sha256: string): Promise<number | null> {
  try {
    return (await stat(files.path(sha256))).size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

export async function readStoredRange (files: FileStore, sha256: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(files.path(sha256), 'r')
  try {
    const buffer = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, offset + done)
      if (bytesRead === 0) break
      done += bytesRead
    }
    return buffer.subarray(0, done)
  } finally {
    await handle.close()
  }
}

/** The words of the OCR text file an archived record carries (`{recordId, pages: [{pageId, text, …}]}`). */
export function textOfTextFile (bytes: Uint8Array): { text: string, pages: Array<Record<string, unknown>> } {
  const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { pages?: Array<Record<string, unknown>> }
  const pages = Array.isArray(parsed?.pages) ? parsed.pages : []
  return { text: pages.map(p => typeof p?.text === 'string' ? p.text : '').join('\n\n'), pages }
}
