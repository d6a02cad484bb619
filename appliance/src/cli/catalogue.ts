/**
 * `sohoa unit …`, `sohoa target …` and `sohoa inventory …`: the unit catalogue (with renames and merges), the plan's
 * targets, and the inventory of paper holdings, as calls of the node's API. Answers are printed as JSON.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { Option, type Command } from 'commander'
import { AppError } from '../errors/index.js'
import { RETENTIONS } from '../store/index.js'
import { callApi, query, STDIO, type CliIo, type WithApi } from './report.js'

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'
const path = (code: string): string => encodeURIComponent(code)

async function readJson (file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new AppError('VALIDATION', { file, problem: (err as Error).message }, err)
  }
}

function int (value: string, name: string): number {
  if (!/^\d+$/.test(value)) throw new AppError('VALIDATION', { [name]: 'expected a whole number' })
  return Number(value)
}

export function addUnitCommands (program: Command, withApi: WithApi, io: CliIo = STDIO): void {
  const print = (value: unknown): void => io.out(json(value))
  const unit = program.command('unit').description('đơn vị / units')
  unit.command('list').description('danh mục đơn vị / the unit catalogue').action(async () => {
    await withApi(async (client) => print(await callApi(client, 'GET', '/api/v1/units')))
  })
  unit.command('show').argument('<code>').description('một đơn vị, tên cũ, đơn vị hợp nhất / a unit, former names, merges').action(async (code: string) => {
    await withApi(async (client) => print(await callApi(client, 'GET', `/api/v1/units/${path(code)}`)))
  })
  unit.command('add')
    .requiredOption('--code <code>', 'mã thống kê / statistics code')
    .requiredOption('--name <name>', 'tên / name')
    .addOption(new Option('--level <level>').choices(['province', 'district', 'commune']).makeOptionMandatory())
    .option('--parent <code>', 'đơn vị cấp trên / parent unit')
    .option('--agency-code <code>', 'mã định danh cơ quan (QĐ 20/2020), dạng 000.00.00.H21 / agency code')
    .action(async (opts: { code: string, name: string, level: string, parent?: string, agencyCode?: string }) => {
      await withApi(async (client) => print(await callApi(client, 'POST', '/api/v1/units', {
        code: opts.code, name: opts.name, level: opts.level, ...(opts.parent ? { parent: opts.parent } : {}), ...(opts.agencyCode ? { agencyCode: opts.agencyCode } : {})
      }, 201)))
    })
  unit.command('edit')
    .argument('<code>')
    .option('--name <name>', 'tên mới (tên cũ được giữ lại) / new name (the old one is kept)')
    .option('--effective <date>', 'ngày tên mới có hiệu lực / the day the new name took effect (YYYY-MM-DD)')
    .option('--agency-code <code>', 'mã định danh cơ quan / agency code ("none" to clear)')
    .option('--parent <code>', 'đơn vị cấp trên / parent unit ("none" for none)')
    .action(async (code: string, opts: { name?: string, effective?: string, agencyCode?: string, parent?: string }) => {
      const patch: Record<string, unknown> = {}
      if (opts.name !== undefined) patch.name = opts.name
      if (opts.effective !== undefined) patch.effective = opts.effective
      if (opts.agencyCode !== undefined) patch.agencyCode = opts.agencyCode === 'none' ? null : opts.agencyCode
      if (opts.parent !== undefined) patch.parent = opts.parent === 'none' ? null : opts.parent
      await withApi(async (client) => print(await callApi(client, 'PATCH', `/api/v1/units/${path(code)}`, patch)))
    })
  unit.command('merge')
    .description('hợp nhất đơn vị vào đơn vị kế thừa / merge a unit into its successor')
    .argument('<code>')
    .requiredOption('--into <code>', 'đơn vị kế thừa / successor')
    .requiredOption('--effective <date>', 'ngày hiệu lực / effective day (YYYY-MM-DD)')
    .action(async (code: string, opts: { into: string, effective: string }) => {
      await withApi(async (client) => print(await callApi(client, 'POST', `/api/v1/units/${path(code)}/merge`, opts)))
    })
  unit.command('reset')
    .description('bỏ sửa đổi tại chỗ, nhận lại bản của tỉnh / drop a local change and take the province\'s copy again')
    .argument('<code>')
    .action(async (code: string) => {
      await withApi(async (client) => print(await callApi(client, 'DELETE', `/api/v1/units/${path(code)}/override`)))
    })
  unit.command('export')
    .description('xuất danh mục (đơn vị và chỉ tiêu) / export the catalogue (units and targets)')
    .option('-o, --out <file>', 'tệp JSON / JSON file (default: standard output)')
    .action(async (opts: { out?: string }) => {
      await withApi(async (client) => {
        const snapshot = await callApi(client, 'GET', '/api/v1/catalogue')
        if (opts.out === undefined) print(snapshot)
        else await writeFile(opts.out, JSON.stringify(snapshot, null, 2) + '\n')
      })
    })
  unit.command('import')
    .description('nhận danh mục mới hơn từ tỉnh / apply a newer catalogue from the province')
    .argument('<file>')
    .action(async (file: string) => {
      const snapshot = await readJson(file)
      await withApi(async (client) => print(await callApi(client, 'PUT', '/api/v1/catalogue', snapshot)))
    })

  const target = program.command('target').description('chỉ tiêu số trang theo năm / page targets per year')
  target.command('list')
    .option('-y, --year <year>')
    .option('-u, --unit <code>')
    .action(async (opts: { year?: string, unit?: string }) => {
      await withApi(async (client) => print(await callApi(client, 'GET', `/api/v1/targets${query({ year: opts.year, unit: opts.unit })}`)))
    })
  target.command('set')
    .argument('<unit>')
    .requiredOption('-y, --year <year>')
    .requiredOption('-p, --pages <pages>')
    .option('--source <text>', 'căn cứ (quyết định giao chỉ tiêu) / source')
    .action(async (unitCode: string, opts: { year: string, pages: string, source?: string }) => {
      const body = { pages: int(opts.pages, 'pages'), ...(opts.source ? { source: opts.source } : {}) }
      await withApi(async (client) => print(await callApi(client, 'PUT', `/api/v1/targets/${path(unitCode)}/${int(opts.year, 'year')}`, body)))
    })
}

interface FileOptions {
  unit: string
  box: string
  number: string
  title: string
  years: string
  retention: string
  pages: string
  resultType?: string
  resultTypeName?: string
  procedure?: string
  dossier?: string
}

export function addInventoryCommands (program: Command, withApi: WithApi, io: CliIo = STDIO): void {
  const print = (value: unknown): void => io.out(json(value))
  const inventory = program.command('inventory').description('kiểm đếm tài liệu trước khi số hóa / inventory of paper holdings')
  inventory.command('add-box')
    .requiredOption('-u, --unit <code>')
    .requiredOption('-b, --box <number>', 'số hộp / box number')
    .option('--label <text>', 'nhãn / label')
    .option('--location <text>', 'vị trí (kho, giá) / location')
    .action(async (opts: { unit: string, box: string, label?: string, location?: string }) => {
      await withApi(async (client) => print(await callApi(client, 'POST', '/api/v1/inventory/boxes', { unit: opts.unit, number: opts.box, label: opts.label ?? null, location: opts.location ?? null }, 201)))
    })
  inventory.command('add')
    .description('đăng ký một hồ sơ đã kiểm đếm / register a counted file')
    .requiredOption('-u, --unit <code>')
    .requiredOption('-b, --box <number>', 'số hộp / box number')
    .requiredOption('-n, --number <number>', 'số hồ sơ / file number')
    .requiredOption('-t, --title <text>', 'tiêu đề hồ sơ / title')
    .requiredOption('--years <from[-to]>', 'năm của tài liệu / years of the documents, e.g. 2015-2016')
    .addOption(new Option('--retention <period>', 'thời hạn bảo quản / retention').choices([...RETENTIONS]).makeOptionMandatory())
    .requiredOption('-p, --pages <n>', 'số trang đếm được / counted pages')
    .option('--result-type <code>', 'mã kết quả, vd. KQ.G15.000031 / result type code')
    .option('--result-type-name <text>', 'loại kết quả / result type')
    .option('--procedure <code>', 'mã TTHC / procedure code')
    .option('--dossier <code>', 'mã hồ sơ / dossier code')
    .action(async (opts: FileOptions) => {
      const years = /^(\d{4})(?:-(\d{4}))?$/.exec(opts.years)
      if (!years) throw new AppError('VALIDATION', { years: 'expected YYYY or YYYY-YYYY' })
      const body = {
        unit: opts.unit, box: opts.box, number: opts.number, title: opts.title,
        yearFrom: Number(years[1]), yearTo: Number(years[2] ?? years[1]), retention: opts.retention, countedPages: int(opts.pages, 'pages'),
        resultTypeCode: opts.resultType ?? null, resultTypeName: opts.resultTypeName ?? null, procedureCode: opts.procedure ?? null, dossierCode: opts.dossier ?? null
      }
      await withApi(async (client) => print(await callApi(client, 'POST', '/api/v1/inventory/files', body, 201)))
    })
  inventory.command('import')
    .description('đăng ký nhiều hồ sơ từ tệp JSON (mảng) / register files from a JSON array')
    .argument('<file>')
    .action(async (file: string) => {
      const files = await readJson(file)
      if (!Array.isArray(files)) throw new AppError('VALIDATION', { file: 'expected a JSON array of files' })
      await withApi(async (client) => {
        let added = 0
        for (const f of files) {
          await callApi(client, 'POST', '/api/v1/inventory/files', f, 201)
          added++
        }
        print({ added })
      })
    })
  inventory.command('list')
    .option('-u, --unit <code>')
    .option('-b, --box <number>')
    .addOption(new Option('-s, --status <status>').choices(['counted', 'scanned', 'reviewed', 'archived']))
    .action(async (opts: { unit?: string, box?: string, status?: string }) => {
      await withApi(async (client) => print(await callApi(client, 'GET', `/api/v1/inventory/files${query(opts)}`)))
    })
  inventory.command('show').argument('<id>').action(async (id: string) => {
    await withApi(async (client) => print(await callApi(client, 'GET', `/api/v1/inventory/files/${path(id)}`)))
  })
  inventory.command('summary').option('-u, --unit <code>').action(async (opts: { unit?: string }) => {
    await withApi(async (client) => print(await callApi(client, 'GET', `/api/v1/inventory/summary${query(opts)}`)))
  })
  inventory.command('discrepancies')
    .description('hồ sơ lệch số trang / files whose pages differ from the count')
    .option('-u, --unit <code>')
    .option('--all', 'cả hồ sơ đang xử lý / also files still in work')
    .action(async (opts: { unit?: string, all?: boolean }) => {
      await withApi(async (client) => print(await callApi(client, 'GET', `/api/v1/inventory/discrepancies${query({ unit: opts.unit, all: opts.all })}`)))
    })
  inventory.command('reconcile').description('đối chiếu lại hồ sơ số với danh mục / re-file every record').action(async () => {
    await withApi(async (client) => print(await callApi(client, 'POST', '/api/v1/inventory/reconcile')))
  })
}
