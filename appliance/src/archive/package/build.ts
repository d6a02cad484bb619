/**
 * The archival package as a ZIP stream (yazl): everything under one root folder named by the archive id.
 *
 *   <archiveId>/METS.xml
 *   <archiveId>/metadata/descriptive/dc.xml
 *   <archiveId>/metadata/preservation/premis.xml
 *   <archiveId>/metadata/preservation/log/<seq, 12 digits>.json   the signed log entries, byte for byte
 *   <archiveId>/representations/rep1/data/…                        masters, signed PDF, OCR text (as given)
 *
 * Data files are streamed one at a time (a package of 200 MB of masters never sits in memory) and re-hashed on the
 * way: a stored file that no longer matches its SHA-256 aborts the stream with FILE_INTEGRITY rather than ship a
 * package whose METS lies about its content.
 */
import { createHash } from 'node:crypto'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { ZipFile } from 'yazl'
import { AppError } from '../../errors/index.js'
import { dublinCore } from './dublin-core.js'
import { mets, type MetadataFile } from './mets.js'
import { premis } from './premis.js'
import type { PackageFile, PackageInput } from './types.js'
import { xmlId } from './xml.js'

const RESERVED = /^(METS\.xml$|metadata\/)/
// Formats that are compressed already: deflating them again costs CPU for nothing.
const STORED_AS_IS = /^(image\/(jpeg|png|jp2|webp)|application\/(pdf|zip))$/

export const LOG_ENTRY_DIR = 'metadata/preservation/log'
export const logEntryPath = (seq: number): string => `${LOG_ENTRY_DIR}/${String(seq).padStart(12, '0')}.json`

/** Refuses a path that could escape the root folder, collide with the package's own files, or confuse an unzipper. */
function checkPath (path: string): void {
  const segments = path.split('/')
  const bad = path === '' || path.startsWith('/') || path.includes('\\') || /[\u0000-\u001f\u007f]/.test(path) ||
    segments.some(s => s === '' || s === '.' || s === '..') || RESERVED.test(path)
  if (bad) throw new AppError('VALIDATION', { path: 'not a safe relative path inside the package' })
}

function checkInput (input: PackageInput): void {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(input.record.archiveId)) throw new AppError('VALIDATION', { archiveId: 'not usable as a folder name' })
  const seen = new Set<string>()
  for (const f of input.files) {
    checkPath(f.path)
    if (seen.has(f.path)) throw new AppError('VALIDATION', { path: 'listed twice' })
    seen.add(f.path)
    if (!/^[0-9a-f]{64}$/.test(f.sha256) || !Number.isSafeInteger(f.size) || f.size < 0) throw new AppError('VALIDATION', { file: 'needs a SHA-256 and a size' })
  }
}

const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

function metadataFile (id: string, path: string, bytes: Buffer, mime: string, mdType: MetadataFile['mdType'], otherMdType?: string): MetadataFile {
  return { id, path, bytes, sha256: sha256Of(bytes), mime, mdType, ...(otherMdType ? { otherMdType } : {}) }
}

/** Passes bytes through and fails at the end when they are not the file's SHA-256 and size. */
class Fixity extends Transform {
  private readonly hash = createHash('sha256')
  private size = 0
  constructor (private readonly file: PackageFile) { super() }
  override _transform (chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.size += chunk.byteLength
    done(null, chunk)
  }

  override _flush (done: TransformCallback): void {
    const sha256 = this.hash.digest('hex')
    if (sha256 === this.file.sha256 && this.size === this.file.size) done()
    else done(new AppError('FILE_INTEGRITY', { sha256: this.file.sha256, path: this.file.path, actualSize: this.size }))
  }
}

/** The package as a ZIP stream; it errors (and ends) if a file cannot be read or has changed. */
export function buildPackage (input: PackageInput): Readable {
  checkInput(input)
  const createdAt = input.createdAt ?? new Date()
  const root = input.record.archiveId
  const dc = metadataFile('dmd-dc', 'metadata/descriptive/dc.xml', dublinCore(input.record), 'text/xml', 'DC')
  const preservation = [
    metadataFile('digiprov-premis', 'metadata/preservation/premis.xml', premis(input), 'text/xml', 'PREMIS'),
    ...input.logEntries.map(e => metadataFile(xmlId('digiprov-log', e.seq), logEntryPath(e.seq), Buffer.from(e.envelope), 'application/json', 'OTHER', 'SOHOA-SIGNED-LOG-ENTRY'))
  ]
  const zip = new ZipFile()
  const out = zip.outputStream as unknown as Readable
  const open = new Set<Readable>()
  const fail = (err: unknown): void => {
    for (const s of open) s.destroy()
    if (!out.destroyed) out.destroy(err instanceof Error ? err : new Error(String(err)))
  }
  zip.on('error', fail)
  const mtime = createdAt
  zip.addBuffer(mets(input, dc, preservation, createdAt), `${root}/METS.xml`, { mtime })
  for (const m of [dc, ...preservation]) zip.addBuffer(m.bytes, `${root}/${m.path}`, { mtime })
  for (const file of input.files) {
    zip.addReadStreamLazy(`${root}/${file.path}`, { size: file.size, mtime, compress: !STORED_AS_IS.test(file.mime) }, (cb) => {
      let source: Readable
      try {
        source = file.read()
      } catch (err) {
        fail(err)
        return
      }
      open.add(source)
      source.once('close', () => open.delete(source))
      const check = new Fixity(file)
      source.on('error', (err) => fail(new AppError('FILE_INTEGRITY', { sha256: file.sha256, path: file.path, problem: 'unreadable' }, err)))
      check.on('error', fail)
      cb(null, source.pipe(check))
    })
  }
  zip.end()
  return out
}

/** The whole package in memory (small packages, tests). */
export async function packageBuffer (input: PackageInput): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of buildPackage(input)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
