/**
 * `sohoa verify`: checks the whole archive against its signed log (every entry's signature and chain, the SHA-256
 * of every stored file) on the stopped node's data directory. Progress goes to stderr, the result as JSON to stdout;
 * exit code 0 when intact, 1 with each failing record named. `--record` also writes the check into the log and into
 * each record's history, as the scheduled fixity check does.
 */
import type { Command } from 'commander'
import { ArchiveLog, checkFixityAndRecord, loadOrCreateNodeKey, verifyArchive, type IntegrityFailure, type VerifyProgress, type VerifyResult } from '../archive/index.js'
import type { Config } from '../config/index.js'
import { AppError, isAppError } from '../errors/index.js'
import { createLogger } from '../log/index.js'
import { openNode } from '../node.js'
import { printAdminPassword } from './client.js'
import { STDIO, type CliIo } from './report.js'

export interface VerifyCommandOptions {
  progress: boolean
  /** Append `fixity.checked` and one `fixity` event per record. */
  record: boolean
  io?: CliIo
  /** Progress lines end with `\r` (a terminal) instead of `\n`. */
  tty?: boolean
}

export function addVerifyCommand (program: Command, config: () => Config): void {
  program.command('verify')
    .description('kiểm tra toàn vẹn kho lưu trữ: chữ ký và chuỗi nhật ký, SHA-256 của mọi tệp / check the archive\'s integrity: the signed log chain and the SHA-256 of every stored file')
    .option('--no-progress', 'không hiện tiến độ / no progress on stderr')
    .option('--record', 'ghi lần kiểm tra vào nhật ký và lịch sử hồ sơ / record the check in the log and in each record\'s history')
    .action(async (opts: { progress: boolean, record?: boolean }) => {
      process.exitCode = await runVerify(config(), { progress: opts.progress, record: opts.record === true, tty: process.stderr.isTTY })
    })
}

/** Runs the check; resolves to the exit code (0 intact, 1 failures). */
export async function runVerify (cfg: Config, opts: VerifyCommandOptions): Promise<number> {
  const io = opts.io ?? STDIO
  const logger = createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, process.stderr as any)
  let node
  try {
    node = await openNode(cfg, logger, 'offline')
  } catch (err) {
    if (isAppError(err) && err.code === 'STORE_LOCKED') {
      throw new AppError('STORE_LOCKED', { dataDir: cfg.dataDir, hint: 'stop the appliance to verify from the command line (the running appliance runs the fixity check on its schedule)' }, err)
    }
    throw err
  }
  if (node.generatedAdminPassword) printAdminPassword(node.generatedAdminPassword)
  try {
    const store = node.store
    const archiveLog = await ArchiveLog.open(store, await loadOrCreateNodeKey(cfg.dataDir))
    const onProgress = opts.progress ? progressPrinter(io, opts.tty === true) : undefined
    let result: VerifyResult
    let logged: { seq: number, hash: string } | null | undefined
    if (opts.record) {
      const fixity = await checkFixityAndRecord({ store, archiveLog, onProgress, agent: 'sohoa verify' })
      logged = fixity.logged ? { seq: fixity.logged.seq, hash: fixity.logged.hash } : null
      result = { entries: fixity.entries, files: fixity.files, bytes: fixity.bytes, records: fixity.records, failures: fixity.failures }
    } else {
      result = await verifyArchive({ store, archiveLog, onProgress })
    }
    if (opts.progress && opts.tty) io.err('\n')
    const { failures } = result
    io.out(JSON.stringify({ ...result, ...(logged !== undefined ? { logged } : {}) }, null, 2) + '\n')
    const mb = (result.bytes / 1e6).toFixed(1)
    if (failures.length === 0) {
      io.err(`Toàn vẹn: ${result.entries} bản ghi nhật ký, ${result.files} tệp (${mb} MB), ${result.records} hồ sơ / intact: ${result.entries} log entries, ${result.files} files (${mb} MB), ${result.records} records\n`)
      return 0
    }
    const byRecord = groupFailures(failures)
    io.err(`PHÁT HIỆN ${failures.length} lỗi toàn vẹn ở ${byRecord.size} hồ sơ / ${failures.length} integrity failures in ${byRecord.size} records\n`)
    for (const [recordId, list] of byRecord) io.err(`  ✗ ${recordId}: ${list.map(describe).join('; ')}\n`)
    return 1
  } finally {
    await node.stop()
  }
}

function groupFailures (failures: IntegrityFailure[]): Map<string, IntegrityFailure[]> {
  const out = new Map<string, IntegrityFailure[]>()
  for (const f of failures) {
    const key = f.recordId ?? '(không thuộc hồ sơ nào / no record)'
    if (!out.has(key)) out.set(key, [])
    out.get(key)!.push(f)
  }
  return out
}

function describe (f: IntegrityFailure): string {
  const where = [f.seq !== undefined ? `entry ${f.seq}` : null, f.sha256 ? `file ${f.sha256}` : null].filter(Boolean).join(', ')
  return where ? `${f.problem} (${where})` : f.problem
}

const PHASES: Record<VerifyProgress['phase'], string> = { log: 'nhật ký / log', files: 'tệp / files', records: 'hồ sơ / records' }

/** One line per phase step, at most every 2 s (a terminal line is rewritten in place), and each phase's last. */
function progressPrinter (io: CliIo, tty: boolean): (p: VerifyProgress) => void {
  let last = 0
  let phase = ''
  return (p) => {
    const now = Date.now()
    const done = p.done === p.total
    if (!done && p.phase === phase && now - last < (tty ? 200 : 2000)) return
    if (tty && phase !== '' && p.phase !== phase) io.err('\n')
    phase = p.phase
    last = now
    const bytes = p.totalBytes !== undefined ? ` · ${((p.bytes ?? 0) / 1e6).toFixed(1)}/${(p.totalBytes / 1e6).toFixed(1)} MB` : ''
    io.err(`kiểm tra / checking ${PHASES[p.phase]} ${p.done}/${p.total}${bytes}${tty ? '\r' : '\n'}`)
  }
}
