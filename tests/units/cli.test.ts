// `sohoa unit|target|inventory|report` as the operator types them, through the node's API (the same HTTP routes
// the control socket serves), on a real store.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Command } from 'commander'
import t from 'tap'
import { addInventoryCommands, addUnitCommands } from '../../appliance/src/cli/catalogue.js'
import type { ApiClient } from '../../appliance/src/cli/client.js'
import { addReportCommand, type CliIo } from '../../appliance/src/cli/report.js'
import { openHarness, type Harness } from './harness.js'

function cli (h: Harness): { run: (...args: string[]) => Promise<string>, err: string[] } {
  const client: ApiClient = {
    mode: 'offline',
    close: async () => {},
    request: async (method, url, payload = {}) => {
      const res = await h.app.inject({ method: method as any, url, headers: { authorization: `Bearer ${h.tokens.admin}` }, ...(payload.json !== undefined ? { payload: payload.json as any } : {}) })
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null }
    }
  }
  const err: string[] = []
  let out = ''
  const io: CliIo = { out: (s) => { out += s }, err: (s) => { err.push(s) } }
  const withApi = async (fn: (c: ApiClient) => Promise<void>): Promise<void> => await fn(client)
  return {
    err,
    run: async (...args) => {
      const program = new Command('sohoa').exitOverride()
      addUnitCommands(program, withApi, io)
      addInventoryCommands(program, withApi, io)
      addReportCommand(program, withApi, io)
      out = ''
      await program.parseAsync(args, { from: 'user' })
      return out
    }
  }
}

t.test('units, targets and the catalogue from the command line', async t => {
  const h = await openHarness(t)
  const { run } = cli(h)
  t.equal(JSON.parse(await run('unit', 'list')).length, 18)
  t.match(JSON.parse(await run('unit', 'add', '--code', '30001', '--name', 'Xã Ia Dêr', '--level', 'commune', '--parent', '628')), { code: '30001', parent: '628' })
  await run('unit', 'add', '--code', '30002', '--name', 'Xã Ia Grai', '--level', 'commune', '--parent', '628')
  t.match(JSON.parse(await run('unit', 'edit', '622', '--agency-code', '000.00.22.H21')), { agencyCode: '000.00.22.H21' })
  t.match(JSON.parse(await run('unit', 'edit', '30001', '--name', 'Xã Ia Dêr (cũ)', '--effective', '2024-01-01')), { formerNames: [{ name: 'Xã Ia Dêr', until: '2024-01-01' }] })
  t.match(JSON.parse(await run('unit', 'merge', '30001', '--into', '30002', '--effective', '2025-07-01')), { mergedInto: { code: '30002' } })
  t.match(JSON.parse(await run('unit', 'show', '30002')), { predecessors: ['30001'] })
  await t.rejects(run('unit', 'merge', '30001', '--into', '622', '--effective', '2025-07-01'), { code: 'UNIT_MERGED', messageVi: /hợp nhất/ }, 'API errors come back as catalogue errors')
  await t.rejects(run('unit', 'add', '--code', '1', '--name', 'x', '--level', 'hamlet'), { code: 'commander.invalidArgument' })

  t.match(JSON.parse(await run('target', 'set', '622', '--year', '2024', '--pages', '5000')), { unit: '622', year: 2024, pages: 5000 })
  await t.rejects(run('target', 'set', '622', '--year', '2024', '--pages', 'many'), { code: 'VALIDATION' })
  t.equal(JSON.parse(await run('target', 'list', '--year', '2024')).length, 1)

  const file = join(h.dir, 'catalogue.json')
  await run('unit', 'export', '--out', file)
  const exported = JSON.parse(await readFile(file, 'utf8'))
  t.equal(exported.units.length, 20)
  const district = await openHarness(t, { role: 'district' })
  await cli(district).run('unit', 'edit', '622', '--agency-code', '000.00.99.H21')
  t.match(JSON.parse(await cli(district).run('unit', 'import', file)), { applied: true, units: 20, overridden: 1 })
  t.match(JSON.parse(await cli(district).run('unit', 'import', file)), { applied: false })
  t.same(await district.units.unitsCovering('30002'), ['30002', '30001'])
  t.match(JSON.parse(await cli(district).run('unit', 'show', '622')), { agencyCode: '000.00.99.H21', override: { province: { agencyCode: '000.00.22.H21' } } }, 'the local change stays, shown with the province\'s copy')
  t.match(JSON.parse(await cli(district).run('unit', 'reset', '622')), { agencyCode: '000.00.22.H21' }, 'until reset')
})

t.test('inventory and report from the command line', async t => {
  const h = await openHarness(t)
  const { run, err } = cli(h)
  t.match(JSON.parse(await run('inventory', 'add-box', '-u', '622', '-b', '12', '--label', 'GPXD 2016')), { number: '12' })
  const added = JSON.parse(await run('inventory', 'add', '-u', '622', '-b', '12', '-n', '3', '-t', 'Giấy phép xây dựng 2016', '--years', '2015-2016', '--retention', 'permanent', '-p', '40', '--dossier', '000.00.22.H21-160505-0001'))
  t.match(added, { yearFrom: 2015, yearTo: 2016, countedPages: 40, status: 'counted' })
  const batch = join(h.dir, 'files.json')
  await writeFile(batch, JSON.stringify([
    { unit: '622', box: '12', number: '4', title: 'Khai sinh 2016', yearFrom: 2016, yearTo: 2016, retention: 'permanent', countedPages: 10 },
    { unit: '622', box: '13', number: '1', title: 'Khai tử 2016', yearFrom: 2016, yearTo: 2016, retention: '70y', countedPages: 5 }
  ]))
  t.same(JSON.parse(await run('inventory', 'import', batch)), { added: 2 })
  t.equal(JSON.parse(await run('inventory', 'list', '-u', '622')).length, 3)
  await h.inventory.onRecordChanged({ recordId: 'r_1', unit: '622', dossierCode: '000.00.22.H21-160505-0001', status: 'archived', pageCount: 37 })
  t.match(JSON.parse(await run('inventory', 'discrepancies', '-u', '622')), [{ countedPages: 40, archivedPages: 37, difference: -3 }])
  t.match(JSON.parse(await run('inventory', 'summary')), [{ unit: '622', boxes: 2, files: 3, countedPages: 55 }])
  t.match(JSON.parse(await run('inventory', 'show', added.id)), { links: [{ recordId: 'r_1' }] })
  await t.rejects(run('inventory', 'add', '-u', '622', '-b', '12', '-n', '9', '-t', 'x', '--years', '16', '--retention', 'permanent', '-p', '1'), { code: 'VALIDATION' })

  const table = await run('report', '--year', '2024')
  t.match(table, /TỔNG CỘNG/)
  const csv = join(h.dir, 'r.csv')
  t.equal(await run('report', '--format', 'csv', '--out', csv), '')
  t.match(err.join(''), /r\.csv/)
  t.match(await readFile(csv, 'utf8'), /^\uFEFFMã đơn vị,/)
  t.equal(JSON.parse(await run('report', '--format', 'json')).rows.length, 18)
})
