/**
 * `sohoa export --packages <dir> [--unit <code>]`: writes the archival package of every archived record to a folder
 * (a backup medium: TT 05/2025 asks for two backup sets on independent media). Works against the running appliance
 * (control socket) or a stopped one. A package already there as a complete zip is kept (a package is rebuilt on each
 * request, with its creation date, so bytes and size differ between runs): a re-run resumes without downloading.
 */
import { mkdir, open } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import type { Command } from 'commander'
import type { Config } from '../config/index.js'
import { createLogger } from '../log/index.js'
import { writeFileAtomic } from '../store/index.js'
import { connect, type ApiClient } from './client.js'

export interface ExportSummary {
  exported: number
  kept: number
  failed: Array<{ recordId: string, reason: string }>
}

const EOCD = 0x06054b50
const EOCD_SIZE = 22

/**
 * True when `file` ends with a zip's end-of-central-directory record whose directory lies inside the file: what a
 * cut or damaged copy lacks. Packages are written atomically, so this only catches damage after the fact.
 */
async function isCompleteZip (file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => null)
  if (!handle) return false
  try {
    const { size } = await handle.stat()
    const tailSize = Math.min(size, EOCD_SIZE + 0xffff) // the record, then at most a 64 KiB comment
    if (tailSize < EOCD_SIZE) return false
    const tail = Buffer.alloc(tailSize)
    await handle.read(tail, 0, tailSize, size - tailSize)
    for (let at = tailSize - EOCD_SIZE; at >= 0; at--) {
      if (tail.readUInt32LE(at) !== EOCD) continue
      const directorySize = tail.readUInt32LE(at + 12)
      const directoryOffset = tail.readUInt32LE(at + 16)
      return directoryOffset + directorySize === size - tailSize + at
    }
    return false
  } finally {
    await handle.close()
  }
}

/**
 * `<dir>/<unit>/<archiveId>.zip`, or null when a name from the node would leave `dir` (a unit code `..`, a slash,
 * a NUL): names come from the records, and a province's catalogue or a replica could carry anything (issue 15).
 */
export function packagePath (dir: string, unit: string, archiveId: string): string | null {
  const segment = (s: unknown): boolean => typeof s === 'string' && /^[0-9A-Za-z._-]{1,100}$/.test(s) && !/^\.+$/.test(s)
  if (!segment(unit) || !segment(archiveId)) return null
  const root = resolve(dir)
  const file = resolve(root, unit, `${archiveId}.zip`)
  return file.startsWith(root + sep) ? file : null
}

export async function exportPackages (client: ApiClient, dir: string, opts: { unit?: string, onProgress?: (n: number) => void } = {}): Promise<ExportSummary> {
  await mkdir(dir, { recursive: true })
  const summary: ExportSummary = { exported: 0, kept: 0, failed: [] }
  let before: string | null = null
  for (;;) {
    const q: URLSearchParams = new URLSearchParams({ status: 'archived', limit: '200', ...(opts.unit ? { unit: opts.unit } : {}), ...(before ? { before } : {}) })
    const page: { status: number, body: any } = await client.request('GET', `/api/v1/records?${q.toString()}`)
    if (page.status !== 200) throw new Error(page.body?.message ?? `HTTP ${page.status}`)
    for (const r of page.body.records as Array<{ id: string, archiveId: string, unit: string }>) {
      const file = packagePath(dir, r.unit, r.archiveId)
      if (file === null) {
        summary.failed.push({ recordId: r.id, reason: 'unit code or archive id is not a safe file name / mã đơn vị hoặc mã lưu trữ không phải tên tệp an toàn' })
        continue
      }
      if (await isCompleteZip(file)) { summary.kept++; continue }
      const answer = await client.request('GET', `/api/v1/records/${r.id}/package.zip`, { raw: true })
      if (answer.status !== 200 || !Buffer.isBuffer(answer.body)) {
        summary.failed.push({ recordId: r.id, reason: answer.body?.message ?? `HTTP ${answer.status}` })
        continue
      }
      await mkdir(join(resolve(dir), r.unit), { recursive: true })
      await writeFileAtomic(file, answer.body, { mode: 0o644 })
      summary.exported++
      opts.onProgress?.(summary.exported + summary.kept)
    }
    before = page.body.next
    if (!before) return summary
  }
}

export function addExportCommand (program: Command, config: () => Config): void {
  program.command('export')
    .description('xuất gói lưu trữ của mọi hồ sơ đã lưu trữ ra thư mục (bản sao lưu) / write the archival package of every archived record to a folder (backup)')
    .requiredOption('--packages <dir>', 'thư mục đích / target folder')
    .option('-u, --unit <code>', 'chỉ một đơn vị / one unit only')
    .action(async (opts: { packages: string, unit?: string }) => {
      const cfg = config()
      const client = await connect(cfg, createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, process.stderr as any))
      try {
        const summary = await exportPackages(client, opts.packages, {
          unit: opts.unit,
          onProgress: n => { if (process.stderr.isTTY) process.stderr.write(`\r${n} gói / packages`) }
        })
        if (process.stderr.isTTY) process.stderr.write('\n')
        process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
        process.stderr.write(`Đã xuất ${summary.exported}, giữ nguyên ${summary.kept}, lỗi ${summary.failed.length} / exported ${summary.exported}, kept ${summary.kept}, failed ${summary.failed.length}\n`)
        if (summary.failed.length > 0) process.exitCode = 2
      } finally {
        await client.close()
      }
    })
}
