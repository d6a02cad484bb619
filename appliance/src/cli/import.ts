/**
 * `sohoa import`: bulk import of existing scans (jpg, png, tif; folders walked recursively) into one batch.
 * Resumable by construction: intake answers "duplicate" for bytes it already holds for the unit, so a rerun after a
 * cut skips what is done. Ends with a summary: imported, skipped, failed with reasons.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { extname, join, relative, resolve } from 'node:path'
import cliProgress from 'cli-progress'
import type { ApiClient } from './client.js'

const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.pdf': 'application/pdf' }

export interface ImportSummary {
  batchId: string | null
  imported: number
  skipped: number
  failed: Array<{ file: string, reason: string }>
}

export async function collectFiles (inputs: string[]): Promise<string[]> {
  const files: string[] = []
  const walk = async (path: string): Promise<void> => {
    const info = await stat(path)
    if (info.isDirectory()) {
      const entries = (await readdir(path)).sort()
      for (const name of entries) if (!name.startsWith('.')) await walk(join(path, name))
    } else if (info.isFile() && TYPES[extname(path).toLowerCase()]) files.push(path)
  }
  for (const input of inputs) await walk(resolve(input))
  return files
}

export async function importFiles (client: ApiClient, inputs: string[], unit: string, opts: { batch?: string, progress: boolean }): Promise<ImportSummary> {
  const files = await collectFiles(inputs)
  const summary: ImportSummary = { batchId: opts.batch ?? null, imported: 0, skipped: 0, failed: [] }
  if (files.length === 0) return summary
  if (!summary.batchId) {
    const created = await client.request('POST', '/api/v1/batches', { json: { unit, source: 'import' } })
    if (created.status !== 201) throw new Error(messageOf(created.body))
    summary.batchId = created.body.id
  }
  const base = process.cwd()
  const bar = opts.progress
    ? new cliProgress.SingleBar({ format: 'Nhập / importing [{bar}] {value}/{total} · {eta_formatted} còn lại', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic)
    : undefined
  bar?.start(files.length, 0)
  let done = 0
  for (const file of files) {
    try {
      const body = await readFile(file)
      const query = new URLSearchParams({ unit, batch: summary.batchId!, filename: relative(base, file) })
      const answer = await client.request('POST', `/api/v1/pages?${query}`, { body, contentType: TYPES[extname(file).toLowerCase()] })
      if (answer.status === 201) summary.imported++
      else if (answer.status === 200) summary.skipped++
      else summary.failed.push({ file, reason: messageOf(answer.body) })
    } catch (err) {
      summary.failed.push({ file, reason: (err as Error).message })
    }
    done++
    if (bar) bar.update(done)
    else if (done % 50 === 0 || done === files.length) process.stderr.write(`nhập / imported ${done}/${files.length}\n`)
  }
  bar?.stop()
  return summary
}

export function messageOf (body: any): string {
  if (body && typeof body === 'object' && body.message) return `${body.message} / ${body.messageEn ?? ''}`.trim()
  return typeof body === 'string' ? body : JSON.stringify(body)
}
