/**
 * `sohoa export --packages <dir> [--unit <code>]`: writes the archival package of every archived record to a folder
 * (a backup medium: TT 05/2025 asks for two backup sets on independent media). Works against the running appliance
 * (control socket) or a stopped one. Files already there with the same size are kept, so a re-run resumes.
 */
import { mkdir, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import type { Config } from '../config/index.js'
import { createLogger } from '../log/index.js'
import { connect, type ApiClient } from './client.js'

export interface ExportSummary {
  exported: number
  kept: number
  failed: Array<{ recordId: string, reason: string }>
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
      const file = join(dir, r.unit, `${r.archiveId}.zip`)
      const answer = await client.request('GET', `/api/v1/records/${r.id}/package.zip`, { raw: true })
      if (answer.status !== 200 || !Buffer.isBuffer(answer.body)) {
        summary.failed.push({ recordId: r.id, reason: answer.body?.message ?? `HTTP ${answer.status}` })
        continue
      }
      const existing = await stat(file).catch(() => null)
      if (existing?.size === answer.body.length) { summary.kept++; continue }
      await mkdir(join(dir, r.unit), { recursive: true })
      await writeFile(`${file}.part`, answer.body, { flush: true })
      await rename(`${file}.part`, file)
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
