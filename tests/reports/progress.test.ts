// Progress reports from a real store: per unit and by level, Vietnamese years, targets, cost, rate and forecast;
// a merged unit's pages in its successor's row; the XLSX read back with exceljs and the CSV agree with the API;
// `sohoa report` renders the same report.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import t from 'tap'
import type { ApiClient } from '../../appliance/src/cli/client.js'
import { runReport } from '../../appliance/src/cli/report.js'
import { Reports, type ProgressReport } from '../../appliance/src/reports/index.js'
import { openHarness, putRecords, type Harness } from '../units/harness.js'

const NOW = new Date('2024-12-20T00:00:00.000Z')

async function scenario (t: Parameters<typeof openHarness>[0]): Promise<Harness> {
  const h = await openHarness(t)
  await h.units.add({ code: '30001', name: 'Xã Ia Dêr', level: 'commune', parent: '628' })
  await h.units.add({ code: '30002', name: 'Xã Ia Grai (mới)', level: 'commune', parent: '628' })
  await h.units.merge('30001', { into: '30002', effective: '2024-07-01' })
  await h.units.setTarget('622', 2024, 100)
  await h.units.setTarget('30002', 2024, 50)
  await h.units.setTarget('30001', 2024, 20)
  const records = await putRecords(h.store, [
    { unit: '622', pages: 6, status: 'archived', createdAt: '2024-06-01T03:00:00.000Z', archivedAt: '2024-06-10T03:00:00.000Z' },
    { unit: '622', pages: 4, status: 'draft', createdAt: '2024-06-02T03:00:00.000Z', stage: 'recognized' },
    { unit: '622', pages: 3, status: 'archived', createdAt: '2024-12-01T03:00:00.000Z', archivedAt: '2024-12-10T03:00:00.000Z' },
    { unit: '622', pages: 2, status: 'draft', createdAt: '2024-12-15T03:00:00.000Z' },
    { unit: '30001', pages: 8, status: 'archived', createdAt: '2024-02-01T03:00:00.000Z', archivedAt: '2024-03-01T03:00:00.000Z' },
    { unit: '30002', pages: 5, status: 'archived', createdAt: '2024-05-01T03:00:00.000Z', archivedAt: '2024-05-20T03:00:00.000Z' },
    // Vietnamese years: 2023-12-31 18:00 UTC is already 2024 in Gia Lai; 2024-12-31 17:30 UTC is 2025.
    { unit: '623', pages: 1, createdAt: '2023-12-31T16:59:59.000Z' },
    { unit: '623', pages: 1, createdAt: '2023-12-31T18:00:00.000Z' },
    { unit: '623', pages: 1, createdAt: '2024-12-31T17:30:00.000Z' },
    // An archived record later split into others, and a deleted one: their pages are not archived pages.
    { unit: '622', pages: 7, status: 'archived', createdAt: '2024-06-01T03:00:00.000Z', archivedAt: '2024-06-10T03:00:00.000Z' },
    { unit: '622', pages: 5, status: 'archived', createdAt: '2024-06-01T03:00:00.000Z', archivedAt: '2024-06-10T03:00:00.000Z' }
  ])
  const [split, deleted] = records.slice(-2)
  await h.store.tx()
    .putRecord({ ...split, supersededBy: ['r_other'] })
    .putRecord({ ...deleted, deleted: { at: '2024-11-01T00:00:00.000Z', by: 'admin', reason: 'test' } })
    .commit()
  return h
}

const row = (r: ProgressReport, code: string) => r.rows.find(x => x.code === code)!

t.test('per unit, by level and in total, with merged units rolling into their successors', async t => {
  const h = await scenario(t)
  const r = await h.reports.progress({ year: 2024, now: NOW })
  t.equal(r.year, 2024)
  t.equal(r.unitPriceVnd, 3779)
  const pleiku = row(r, '622')
  t.match(pleiku, { received: 27, recognized: 6 + 4 + 3 + 7 + 5, archived: 9, target: 100, percent: 9, costVnd: 9 * 3779, inTotal: true, mergedInto: null, targetEstimated: false })
  t.equal(pleiku.rateArchived, 0.1, '3 pages archived in the last 30 days')
  t.equal(pleiku.rateReceived, Math.round((3 + 2) / 30 * 100) / 100, 'pages received in the last 30 days')
  // 91 pages to go at 0.1 a day: 910 days after 20/12/2024 (Vietnamese date).
  t.equal(pleiku.forecast, new Date(Date.UTC(2024, 11, 20) + 910 * 86_400_000).toISOString().slice(0, 10))

  const successor = row(r, '30002')
  t.match(successor, { received: 13, archived: 13, target: 70, percent: 18.6, includes: ['30001'], inTotal: true }, 'the successor includes its predecessor\'s pages and target')
  t.equal(successor.forecast, null, 'no archiving in the last 30 days: no forecast')
  t.match(row(r, '30001'), { received: 8, archived: 8, target: 20, percent: 40, mergedInto: '30002', inTotal: false })
  t.match(row(r, '623'), { received: 1, archived: 0, target: null }, 'only the page of the Vietnamese 2024; no 2024 target (An Khê is in the 2022 group)')
  t.equal(row(r, '628').received, 0)
  t.equal(row(r, '628').target, null, 'no target for 2024 (the plan has Ia Grai in 2023)')

  t.match(r.totals, { received: 27 + 13 + 1, archived: 22, costVnd: 22 * 3779 }, 'received counts every page; archived only live archived records')
  const inTotal = r.rows.filter(x => x.inTotal)
  for (const key of ['received', 'recognized', 'archived', 'costVnd', 'counted'] as const) {
    t.equal(inTotal.reduce((n, x) => n + x[key], 0), r.totals[key], `the "in total" rows add up to the total ${key}`)
  }
  t.same(r.byLevel.map(l => [l.level, l.units, l.received, l.archived]), [['province', 1, 0, 0], ['district', 17, 28, 9], ['commune', 2, 13, 13]])
  t.equal(r.byLevel.reduce((n, l) => n + l.archived, 0), r.totals.archived)

  const all = await h.reports.progress({ now: NOW })
  t.equal(all.year, null)
  t.equal(row(all, '623').received, 3, 'without a year, every page')
  t.match(row(all, '623'), { target: 105888, targetEstimated: true }, 'and every year\'s target: its even share of the 2022 group (952,989 / 9, the remainder to the first units)')
  t.equal(all.totals.target, 1872917 + 100 + 50 + 20, 'the plan\'s total plus the targets set here')
})

t.test('a unit and what is under it; errors', async t => {
  const h = await scenario(t)
  const r = await h.reports.progress({ year: 2024, unit: '628', now: NOW })
  t.same(r.rows.map(x => x.code), ['628', '30001', '30002'])
  t.match(r.totals, { received: 13, archived: 13, target: 70 }, 'the district\'s communes, the merged one once')
  const successor = await h.reports.progress({ year: 2024, unit: '30002', now: NOW })
  t.same(successor.rows.map(x => x.code), ['30001', '30002'], 'a successor brings its predecessors')
  t.match(successor.totals, { archived: 13 })
  await t.rejects(h.reports.progress({ unit: '99999' }), { code: 'UNKNOWN_UNIT' })
  t.equal((await h.call('read', 'GET', '/api/v1/reports/progress?unit=99999')).status, 400)
  t.equal((await h.call('read', 'GET', '/api/v1/reports/progress?year=24')).status, 400)
  t.equal((await h.call('ingest', 'GET', '/api/v1/reports/progress')).status, 403)
})

t.test('counted pages from the inventory', async t => {
  const h = await scenario(t)
  const file = await h.inventory.addFile({ unit: '30001', box: '1', number: '1', title: 'Khai sinh 2016', yearFrom: 2016, yearTo: 2016, retention: 'permanent', countedPages: 10 })
  for await (const r of h.store.listRecords()) {
    if (r.unit === '30001') await h.inventory.onRecordChanged({ recordId: r.id, unit: r.unit, inventoryFileId: file.id, status: r.status, pageCount: r.pageIds.length })
  }
  const r = await h.reports.progress({ year: 2024, now: NOW })
  t.match(row(r, '30001'), { counted: 10, countedArchived: 8, percentOfCounted: 80 })
  t.match(row(r, '30002'), { counted: 10, countedArchived: 8 }, 'and in the successor')
  t.match(r.totals, { counted: 10, countedArchived: 8 })
})

t.test('on the province node: districts\' archived records from their replicas count too', async t => {
  const h = await scenario(t)
  const reports = new Reports({
    store: h.store, units: h.units, inventory: h.inventory, unitPriceVnd: 4000,
    archivedElsewhere: async function * () {
      yield { unit: '30001', pages: 4, archivedAt: '2024-12-18T00:00:00.000Z' }
      yield { unit: '639', pages: 9, archivedAt: '2023-05-05T00:00:00.000Z' }
    }
  })
  const r = await reports.progress({ year: 2024, now: NOW })
  t.match(row(r, '30002'), { archived: 17, rateArchived: 0.13, costVnd: 17 * 4000 }, 'into the successor, at the configured price')
  t.equal(row(r, '639').archived, 0, 'another year\'s archiving is not this year\'s')
  t.equal(r.totals.archived, 26)
})

t.test('XLSX and CSV agree with the API', async t => {
  const h = await scenario(t)
  const api = (await h.call('read', 'GET', '/api/v1/reports/progress?year=2024')).json as ProgressReport
  t.equal(api.rows.length, 20)
  const res = await h.call('read', 'GET', '/api/v1/reports/progress.xlsx?year=2024')
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  t.match(res.headers['content-disposition'], /filename="tien-do-so-hoa-2024\.xlsx"/)

  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(res.raw as any)
  const ws = wb.getWorksheet('Tiến độ theo đơn vị')!
  t.ok(ws, 'the unit sheet, named in Vietnamese')
  const headers = (ws.getRow(4).values as unknown[]).slice(1)
  t.same(headers.slice(0, 8), ['Mã đơn vị', 'Tên đơn vị', 'Cấp', 'Hợp nhất vào', 'Tính vào tổng', 'Số trang đã nhận', 'Số trang đã nhận dạng', 'Số trang đã lưu trữ'])
  const col = (header: string): number => headers.indexOf(header) + 1
  let totalRow = 0
  ws.eachRow((r, n) => { if (r.getCell(1).value === 'Tổng cộng') totalRow = n })
  t.equal(totalRow, 5 + api.rows.length, 'the totals row follows the unit rows')
  const result = (header: string): unknown => (ws.getRow(totalRow).getCell(col(header)).value as any)?.result
  t.equal(result('Số trang đã nhận'), api.totals.received)
  t.equal(result('Số trang đã nhận dạng'), api.totals.recognized)
  t.equal(result('Số trang đã lưu trữ'), api.totals.archived)
  t.equal(result('Chỉ tiêu (trang)'), api.totals.target)
  t.equal(result('Kinh phí (đồng)'), api.totals.costVnd)
  t.equal(result('Kinh phí (đồng)'), 22 * 3779)
  t.match((ws.getRow(totalRow).getCell(col('Số trang đã lưu trữ')).value as any).formula, /^SUMIF\(E5:E24,1,H5:H24\)$/)
  t.equal(ws.getRow(totalRow).getCell(col('Kinh phí (đồng)')).numFmt, '#,##0')
  t.equal(ws.getRow(totalRow).getCell(col('Tỷ lệ hoàn thành')).numFmt, '0.0%')

  // What the SUMIF computes, done here from the cells: the same totals (the merged row is not counted twice).
  let archived = 0
  let received = 0
  for (let n = 5; n < totalRow; n++) {
    const r = ws.getRow(n)
    if (r.getCell(col('Tính vào tổng')).value === 1) {
      archived += r.getCell(col('Số trang đã lưu trữ')).value as number
      received += r.getCell(col('Số trang đã nhận')).value as number
    }
  }
  t.equal(archived, api.totals.archived)
  t.equal(received, api.totals.received)
  const merged = ws.getRow(5 + api.rows.findIndex(x => x.code === '30001'))
  t.equal(merged.getCell(col('Hợp nhất vào')).value, '30002')
  t.equal(merged.getCell(col('Tính vào tổng')).value, 0)
  const successor = ws.getRow(5 + api.rows.findIndex(x => x.code === '30002'))
  t.equal(successor.getCell(col('Số trang đã lưu trữ')).value, 13, 'the successor row holds its predecessor\'s pages')
  t.match(successor.getCell(2).value, /gồm 30001/)

  const wl = wb.getWorksheet('Tổng hợp theo cấp')!
  const levelRows = api.byLevel.length
  const levelTotal = wl.getRow(5 + levelRows)
  t.equal(levelTotal.getCell(1).value, 'Tổng cộng')
  t.equal((levelTotal.getCell(5).value as any).result, api.totals.archived, 'the level sheet\'s total agrees too')
  t.equal((levelTotal.getCell(5).value as any).formula, `SUM(E5:E${4 + levelRows})`)
  t.equal(wl.getRow(6).getCell(1).value, 'Cấp huyện')

  const csv = await h.call('read', 'GET', '/api/v1/reports/progress.csv?year=2024')
  t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
  t.same([...csv.raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a byte-order mark')
  const lines = csv.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n')
  t.equal(lines.length, 1 + api.rows.length + api.byLevel.length + 1)
  t.match(lines[0], /^Mã đơn vị,Tên đơn vị,Cấp,Hợp nhất vào/)
  const total = lines[lines.length - 1].split(',')
  t.equal(total[1], 'Tổng cộng')
  t.equal(Number(total[8]), api.totals.archived)
  t.equal(Number(total[13]), api.totals.costVnd)
})

t.test('sohoa report: table, CSV and XLSX from the same API', async t => {
  const h = await scenario(t)
  const client: ApiClient = {
    mode: 'offline',
    close: async () => {},
    request: async (method, url, payload = {}) => {
      const res = await h.app.inject({ method: method as any, url, headers: { authorization: `Bearer ${h.tokens.read}` }, ...(payload.json !== undefined ? { payload: payload.json as any } : {}) })
      return { status: res.statusCode, body: JSON.parse(res.body) }
    }
  }
  const table = await runReport(client, { year: '2024', format: 'table' })
  t.match(table.stdout, /Tiến độ số hóa năm 2024/)
  t.match(table.stdout, /TỔNG CỘNG .* 22 /)
  t.match(table.stdout, /↳ Xã Ia Dêr → 30002/)
  const out = join(h.dir, 'bao-cao.xlsx')
  const written = await runReport(client, { year: '2024', unit: '628', format: 'xlsx', out })
  t.match(written.stderr, /bao-cao\.xlsx/)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(await readFile(out) as any)
  const ws = wb.getWorksheet('Tiến độ theo đơn vị')!
  t.equal((ws.getRow(8).getCell(8).value as any).result, 13, 'the district\'s total, its merged commune once')
  await t.rejects(runReport(client, { format: 'xlsx' }), { code: 'VALIDATION' }, 'xlsx needs a file')
  await t.rejects(runReport(client, { format: 'table', unit: '99999' }), { code: 'UNKNOWN_UNIT' }, 'API errors become catalogue errors')
})
