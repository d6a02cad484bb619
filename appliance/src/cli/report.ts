/**
 * `sohoa report`: the progress report from the node's API, printed as a table, or written as CSV or XLSX. The file
 * is rendered here from the API's JSON with the same code the API uses, so it is the same report either way.
 */
import { writeFile } from 'node:fs/promises'
import { Option, type Command } from 'commander'
import { AppError, CATALOGUE, type ErrorCode } from '../errors/index.js'
import { progressCsv, progressTable, progressXlsx, type ProgressReport } from '../reports/index.js'
import type { ApiClient } from './client.js'
import { messageOf } from './import.js'

/** Runs a command body with a client of the node's API (the running appliance's socket, or an offline node). */
export type WithApi = (fn: (client: ApiClient) => Promise<void>) => Promise<void>

/** Where commands write (the process's streams; a test passes its own). */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
}

export const STDIO: CliIo = { out: (text) => { process.stdout.write(text) }, err: (text) => { process.stderr.write(text) } }

/** One API call; an error answer becomes the catalogue's error, so the CLI prints it in Vietnamese and English. */
export async function callApi (client: ApiClient, method: string, url: string, json?: unknown, expect = 200): Promise<any> {
  const answer = await client.request(method, url, json === undefined ? undefined : { json })
  if (answer.status === expect) return answer.body
  const code = answer.body?.error as string | undefined
  if (code !== undefined && code in CATALOGUE) throw new AppError(code as ErrorCode, answer.body.details)
  throw new Error(messageOf(answer.body))
}

export const query = (params: Record<string, string | number | boolean | undefined>): string => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v))
  const s = q.toString()
  return s === '' ? '' : `?${s}`
}

export interface ReportOptions {
  year?: string
  unit?: string
  format: 'table' | 'csv' | 'xlsx' | 'json'
  out?: string
}

/** Fetches the report and renders it; returns what to print (or writes `out` and returns a confirmation). */
export async function runReport (client: ApiClient, opts: ReportOptions): Promise<{ stdout: string, stderr: string }> {
  if (opts.year !== undefined && !/^\d{4}$/.test(opts.year)) throw new AppError('VALIDATION', { year: 'expected a year such as 2024' })
  if (opts.format === 'xlsx' && opts.out === undefined) throw new AppError('VALIDATION', { out: '--format xlsx needs --out <file>' })
  const report = await callApi(client, 'GET', `/api/v1/reports/progress${query({ year: opts.year, unit: opts.unit })}`) as ProgressReport
  let body: string | Buffer
  if (opts.format === 'xlsx') body = await progressXlsx(report)
  else if (opts.format === 'csv') body = progressCsv(report)
  else if (opts.format === 'json') body = JSON.stringify(report, null, 2) + '\n'
  else body = progressTable(report)
  if (opts.out === undefined) return { stdout: body.toString(), stderr: '' }
  await writeFile(opts.out, body)
  return { stdout: '', stderr: `Đã ghi báo cáo vào ${opts.out} / report written to ${opts.out}\n` }
}

export function addReportCommand (program: Command, withApi: WithApi, io: CliIo = STDIO): void {
  program.command('report')
    .description('báo cáo tiến độ số hóa / digitization progress report')
    .option('-y, --year <year>', 'năm / year (default: all years)')
    .option('-u, --unit <code>', 'đơn vị (gồm đơn vị trực thuộc và đã hợp nhất) / unit (with its units and predecessors)')
    .addOption(new Option('-f, --format <format>', 'định dạng / format').choices(['table', 'csv', 'xlsx', 'json']).default('table'))
    .option('-o, --out <file>', 'ghi ra tệp / write to a file (needed for xlsx)')
    .action(async (opts: ReportOptions) => {
      await withApi(async (client) => {
        const { stdout, stderr } = await runReport(client, opts)
        io.out(stdout)
        io.err(stderr)
      })
    })
}
