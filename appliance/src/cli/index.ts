/**
 * The `sohoa` command. `start` runs the appliance; every other command is a call of the node's API, through the
 * running appliance's control socket or an offline node (see client.ts).
 */
import { Command, Option } from 'commander'
import { loadConfig, type Config } from '../config/index.js'
import { isAppError } from '../errors/index.js'
import { createLogger } from '../log/index.js'
import { openNode, VERSION } from '../node.js'
import { connect, printAdminPassword, type ApiClient } from './client.js'
import { addInventoryCommands, addUnitCommands } from './catalogue.js'
import { addExportCommand } from './export.js'
import { importFiles, messageOf } from './import.js'
import { addReportCommand } from './report.js'
import { addSyncCommands } from './sync-commands.js'
import { addVerifyCommand } from './verify.js'

export async function main (argv: string[]): Promise<void> {
  const program = new Command('sohoa')
    .description('sohoa: số hóa kết quả giải quyết TTHC / digitize administrative-procedure results')
    .version(VERSION)
    .option('-c, --config <file>', 'tệp cấu hình JSON / JSON config file (or SOHOA_CONFIG)')
    .option('-d, --data-dir <dir>', 'thư mục dữ liệu / data directory (or SOHOA_DATA_DIR)')
  const config = (): Config => {
    const o = program.opts<{ config?: string, dataDir?: string }>()
    return loadConfig({ file: o.config, overrides: { dataDir: o.dataDir } })
  }

  program.command('start').description('chạy thiết bị / run the appliance').action(async () => {
    const cfg = config()
    const logger = createLogger(cfg.logLevel)
    const node = await openNode(cfg, logger, 'server')
    if (node.generatedAdminPassword) printAdminPassword(node.generatedAdminPassword)
    logger.info({ address: node.address, dataDir: cfg.dataDir, version: VERSION, ocrWorkers: cfg.ocrWorkers, role: cfg.role, peerId: node.services.archive?.key.peerId }, 'sohoa started')
    let stopping = false
    const shutdown = (signal: string): void => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'stopping')
      node.stop().then(() => process.exit(0), (err) => { logger.error({ err }, 'stop failed'); process.exit(1) })
    }
    process.on('SIGTERM', shutdown)
    process.on('SIGINT', shutdown)
  })

  program.command('import')
    .description('nhập ảnh quét có sẵn / import existing scans (jpg, png, tif; folders recursively)')
    .argument('<paths...>', 'tệp hoặc thư mục / files or folders')
    .requiredOption('-u, --unit <code>', 'mã đơn vị / unit code')
    .option('-b, --batch <id>', 'thêm vào đợt có sẵn / add to an existing batch')
    .option('--no-progress', 'không hiện thanh tiến độ / no progress bar')
    .action(async (paths: string[], opts: { unit: string, batch?: string, progress: boolean }) => {
      await withClient(config(), async (client) => {
        const summary = await importFiles(client, paths, opts.unit, { batch: opts.batch, progress: opts.progress && process.stderr.isTTY })
        process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
        process.stderr.write(`Đã nhập ${summary.imported}, bỏ qua ${summary.skipped} (đã có), lỗi ${summary.failed.length} / imported ${summary.imported}, skipped ${summary.skipped} (already there), failed ${summary.failed.length}\n`)
        for (const f of summary.failed) process.stderr.write(`  ✗ ${f.file}: ${f.reason}\n`)
        if (summary.failed.length > 0) process.exitCode = 2
      })
    })

  const token = program.command('token').description('mã truy cập cho máy / machine tokens')
  token.command('create')
    .requiredOption('-n, --name <name>', 'tên / name (e.g. the copier or system using it)')
    .addOption(new Option('-s, --scope <scope>', 'phạm vi / scope').choices(['ingest', 'read', 'integration', 'admin']).makeOptionMandatory())
    .action(async (opts: { name: string, scope: string }) => {
      await withClient(config(), async (client) => {
        const body = await call(client, 'POST', '/api/v1/tokens', { name: opts.name, scope: opts.scope }, 201)
        process.stderr.write('Mã truy cập (chỉ hiện một lần) / token (shown once only):\n')
        process.stdout.write(body.secret + '\n')
      })
    })
  token.command('list').action(async () => {
    await withClient(config(), async (client) => print(await call(client, 'GET', '/api/v1/tokens')))
  })
  token.command('revoke').argument('<id>').action(async (id: string) => {
    await withClient(config(), async (client) => print(await call(client, 'DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`)))
  })

  const user = program.command('user').description('người dùng / users')
  user.command('add')
    .argument('<username>')
    .addOption(new Option('-r, --role <role...>', 'vai trò / roles').choices(['admin', 'reviewer', 'operator', 'auditor']).makeOptionMandatory())
    .option('-p, --password <password>', 'mật khẩu (hoặc SOHOA_NEW_PASSWORD; bỏ trống để tạo ngẫu nhiên) / password (or SOHOA_NEW_PASSWORD; omit to generate)')
    .option('--display-name <name>', 'họ tên hiển thị / display name')
    .action(async (username: string, opts: { role: string[], password?: string, displayName?: string }) => {
      const { generatePassword } = await import('../auth/index.js')
      const password = opts.password ?? process.env.SOHOA_NEW_PASSWORD ?? generatePassword()
      await withClient(config(), async (client) => {
        print(await call(client, 'POST', '/api/v1/users', { username, password, roles: opts.role, ...(opts.displayName ? { displayName: opts.displayName } : {}) }, 201))
        if (!opts.password && !process.env.SOHOA_NEW_PASSWORD) process.stderr.write(`Mật khẩu (chỉ hiện một lần) / password (shown once): ${password}\n`)
      })
    })
  user.command('list').action(async () => {
    await withClient(config(), async (client) => print(await call(client, 'GET', '/api/v1/users')))
  })

  const withApi = async (fn: (client: ApiClient) => Promise<void>): Promise<void> => await withClient(config(), fn)
  addUnitCommands(program, withApi)
  addInventoryCommands(program, withApi)
  addReportCommand(program, withApi)

  program.command('reindex').description('dựng lại chỉ mục tìm kiếm / rebuild the search index').action(async () => {
    await withClient(config(), async (client) => {
      // Progress on stderr while it runs (the answer, on stdout, comes at the end).
      const timer = setInterval(() => {
        void call(client, 'GET', '/api/v1/admin/reindex').then((p: any) => { if (p?.running === true) process.stderr.write(`… ${p.records as number} bản ghi / records\n`) }, () => {})
      }, 2000)
      try { print(await call(client, 'POST', '/api/v1/admin/reindex')) } finally { clearInterval(timer) }
    })
  })

  addVerifyCommand(program, config)
  addExportCommand(program, config)
  addSyncCommands(program, withApi, config)

  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    fail(err)
  }
}

async function withClient (cfg: Config, fn: (client: ApiClient) => Promise<void>): Promise<void> {
  const client = await connect(cfg, createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, process.stderr as any))
  try {
    await fn(client)
  } finally {
    await client.close()
  }
}

async function call (client: ApiClient, method: string, url: string, json?: unknown, expect = 200): Promise<any> {
  const answer = await client.request(method, url, json === undefined ? undefined : { json })
  if (answer.status !== expect) {
    const details = answer.body?.details ? `\n${JSON.stringify(answer.body.details, null, 2)}` : ''
    throw new CliError(`${messageOf(answer.body)}${details}`)
  }
  return answer.body
}

class CliError extends Error {}

function print (value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

function fail (err: unknown): never {
  if (isAppError(err)) {
    process.stderr.write(`sohoa: ${err.messageVi} / ${err.messageEn}\n`)
    const problems = err.details?.problems
    if (Array.isArray(problems)) for (const p of problems) process.stderr.write(`  - ${p}\n`)
    else if (err.details) process.stderr.write(`  ${JSON.stringify(err.details)}\n`)
    process.exit(err.code === 'CONFIG_INVALID' ? 78 : 1)
  }
  if (err instanceof CliError) {
    process.stderr.write(`sohoa: ${err.message}\n`)
    process.exit(1)
  }
  process.stderr.write(`sohoa: ${(err as Error)?.stack ?? String(err)}\n`)
  process.exit(1)
}
