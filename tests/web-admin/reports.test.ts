// The progress report page in a real browser (Debian's chromium via playwright-core) against a really running
// appliance: archived records made the way the archiver makes them (tests/archive/log-fixture.ts) and pages posted
// through the API and really recognized, targets set through the API, one unit merged into another. Every figure
// the page shows must equal the API's report (and the seeded counts), per unit, per level and in total, for the
// whole catalogue, one unit and another year; the XLSX and CSV links download with the session cookie; English
// works; the menu offers the page to every role that can read. Screenshots go to tests/artifacts/web-admin/.
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { chromium, type Locator, type Page } from 'playwright-core'
import { archiveRecord, openArchive } from '../archive/log-fixture.js'
import { ROOT, startAppliance } from '../helpers/appliance.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const SHOTS = join(ROOT, 'tests', 'artifacts', 'web-admin')
const ADMIN_PASSWORD = 'mat-khau-quan-tri'
const PRICE = 3779
/** The year a user in Vietnam means by "this year" (the page's default). */
const YEAR = new Date(Date.now() + 7 * 3600_000).getUTCFullYear()

interface Api { get: (path: string) => Promise<any>, send: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>, token: string }

async function apiSession (url: string, username: string, password: string): Promise<Api> {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`)
  const cookie = res.headers.get('set-cookie')!.split(';')[0]
  const { csrfToken } = await res.json() as { csrfToken: string }
  return {
    token: csrfToken,
    get: async (path) => await (await fetch(`${url}/api/v1${path}`, { headers: { cookie } })).json(),
    send: async (method, path, body, headers = {}) => await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
  }
}

/** The page's number formats (report.tsx), computed here independently with Node's ICU. */
function formats (locale: string): { n: (v: number) => string, pct: (p: number | null) => string, rate: (v: number) => string } {
  const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 })
  const percent = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 0, maximumFractionDigits: 1 })
  const rate = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 })
  return { n: v => whole.format(v), pct: p => (p === null ? '–' : percent.format(p / 100)), rate: v => rate.format(v) }
}
const isoToVn = (d: string | null): string | null => d === null ? null : d.split('-').reverse().join('/')
/** Text as a person reads it: the browser's narrow or non-breaking spaces count as spaces. */
const norm = (s: string | null): string => (s ?? '').replace(/[\u00a0\u202f]/g, ' ').trim()

/** Every figure cell of a table row against the API's figures. */
async function checkFigures (t: Test, row: Locator, x: any, label: string, locale = 'vi-VN'): Promise<void> {
  const f = formats(locale)
  const cell = async (col: string): Promise<string> => norm(await row.locator(`[data-col=${col}]`).first().textContent())
  t.equal(await cell('received'), norm(f.n(x.received)), `${label}: received`)
  t.equal(await cell('recognized'), norm(f.n(x.recognized)), `${label}: recognized`)
  t.equal(await cell('archived'), norm(f.n(x.archived)), `${label}: archived`)
  const target = await cell('target')
  t.ok(target.startsWith(x.target === null ? '–' : norm(f.n(x.target))), `${label}: target ${target}`)
  t.equal(target.includes('ước tính') || target.includes('estimated'), x.target !== null && x.targetEstimated, `${label}: estimated or not`)
  t.equal(await cell('percent'), norm(f.pct(x.percent)), `${label}: percent`)
  t.equal(await cell('costVnd'), norm(f.n(x.costVnd)), `${label}: cost`)
  t.ok((await cell('rateArchived')).startsWith(norm(f.rate(x.rateArchived))), `${label}: 30-day rate`)
  const forecast = await cell('forecast')
  if (x.forecast !== null) t.equal(forecast, isoToVn(x.forecast), `${label}: forecast`)
  else t.ok(forecast === '–' || /Đã đạt|reached/.test(forecast), `${label}: no forecast (${forecast})`)
}

/** The whole page against the API's report for the same choice. */
async function checkReport (t: Test, page: Page, report: any, label: string): Promise<void> {
  const rows = page.locator('[data-testid=report-units] tbody tr')
  // The report asked for, loaded (the previous one stays on screen, busy, while the next loads).
  await page.locator(`[data-testid=report][data-year="${report.year ?? 'all'}"][data-unit="${report.unit ?? ''}"][aria-busy=false]`).waitFor()
  t.equal(await rows.count(), report.rows.length, `${label}: one row per unit`)
  for (const [i, x] of report.rows.entries()) {
    const row = rows.nth(i)
    t.equal(await row.getAttribute('data-unit'), x.code, `${label}: row ${i} is ${x.code}, in the API's order`)
    await checkFigures(t, row, x, `${label} ${x.code}`)
  }
  for (const l of report.byLevel) await checkFigures(t, page.locator(`[data-testid=report-levels] tr[data-level=${l.level}]`), l, `${label} level ${l.level}`)
  await checkFigures(t, page.locator('[data-testid=report-levels] tr[data-level=total]'), report.totals, `${label} total`)
  const f = formats('vi-VN')
  t.equal(norm(await page.locator('[data-testid=report-totals] [data-col=costVnd]').textContent()), norm(f.n(report.totals.costVnd)), `${label}: the cost card`)
  // One bar per unit in the totals, its value in words (the chart reads without the picture).
  const bars = page.locator('[data-testid=report-chart] li')
  const charted = report.rows.filter((x: any) => x.inTotal && (x.target !== null || x.received > 0 || x.archived > 0))
  t.same(await bars.evaluateAll(els => els.map(e => e.getAttribute('data-unit'))), charted.map((x: any) => x.code), `${label}: one bar per unit in the totals with a target or pages`)
  const idle = report.rows.filter((x: any) => x.inTotal).length - charted.length
  t.equal(await page.getByTestId('report-idle-note').count(), idle > 0 ? 1 : 0, `${label}: the others counted under the chart`)
  if (idle > 0) t.match(norm(await page.getByTestId('report-idle-note').textContent()), new RegExp(`^${idle} đơn vị khác`), `${label}: ${idle} units without figures`)
  for (const x of report.rows.filter((r: any) => r.inTotal && r.target !== null)) {
    t.equal(norm(await bars.locator(`xpath=self::li[@data-unit="${x.code}"]`).getByTestId('bar-value').textContent()),
      norm(`${f.pct(x.percent)} – ${f.n(x.archived)}/${f.n(x.target)} trang`), `${label}: bar of ${x.code}`)
  }
}

t.test('the progress report page shows the API\'s figures', async t => {
  if (!existsSync(join(ROOT, 'web-admin', 'dist', 'index.html'))) throw new Error('run `npm run build` first (it builds web-admin/dist)')
  if (!existsSync(CHROMIUM)) throw new Error('chromium is missing: firmware-scripts/host-packages.sh --test installs it')
  const started = Date.now()
  await mkdir(SHOTS, { recursive: true })
  const dataDir = await tempDir(t, 'sohoa-web-report-')

  // Archived records before the start: 3 × 2 pages for Pleiku (622), 1 × 2 for An Khê (623), 1 × 2 for Ayun Pa (624).
  const archive = await openArchive(t, dataDir)
  for (const unit of ['622', '622', '622', '623', '624']) await archiveRecord(archive, { unit })
  await archive.store.close()

  const app = await startAppliance({ dataDir, adminPassword: ADMIN_PASSWORD, env: { SOHOA_OCR_WORKERS: '2' } })
  t.teardown(() => app.stop())
  const admin = await apiSession(app.url, 'admin', ADMIN_PASSWORD)
  t.equal((await admin.send('POST', '/users', { username: 'vanhanh', password: 'mat-khau-van-hanh', roles: ['operator'] })).status, 201, 'an operator')
  // Targets of this year: 622 half way, 623 reached (2 of 2); Ayun Pa merged into Pleiku this year.
  t.equal((await admin.send('PUT', `/targets/622/${YEAR}`, { pages: 16 })).status, 200, 'a target for 622')
  t.equal((await admin.send('PUT', `/targets/623/${YEAR}`, { pages: 2 })).status, 200, 'a target for 623')
  t.equal((await admin.send('POST', '/units/624/merge', { into: '622', effective: `${YEAR}-01-01` })).status, 200, '624 merged into 622')
  // Two scans posted to 622 and recognized for real: 2 more pages received (not archived).
  const files = (await readdir(CORPUS)).filter(f => f.endsWith('.jpg')).sort().slice(0, 2)
  const batch = await (await admin.send('POST', '/batches', { unit: '622' })).json() as { id: string }
  for (const name of files) {
    const posted = await fetch(`${app.url}/api/v1/pages?unit=622&batch=${batch.id}&filename=${name}`, {
      method: 'POST', headers: { authorization: `Bearer ${await ingestToken(admin)}`, 'content-type': 'image/jpeg' }, body: new Uint8Array(await readFile(join(CORPUS, name)))
    })
    t.equal(posted.status, 201, `${name} posted`)
  }
  for (let i = 0; !(await admin.get(`/batches/${batch.id}`)).done; i++) {
    if (i > 600) throw new Error('the posted pages were not processed in 3 minutes')
    await new Promise(resolve => setTimeout(resolve, 300))
  }

  const api = await admin.get(`/reports/progress?year=${YEAR}`)
  const row = (code: string): any => api.rows.find((r: any) => r.code === code)
  // The seeded figures themselves, so the comparison below is not only page = API.
  t.match(row('622'), { received: 10, archived: 8, target: 16, percent: 50, costVnd: 8 * PRICE, includes: ['624'], inTotal: true }, '622 with 624\'s pages')
  t.match(row('623'), { archived: 2, target: 2, percent: 100, forecast: null }, '623 reached its target')
  t.match(row('624'), { archived: 2, mergedInto: '622', inTotal: false }, '624 is in its successor')
  t.equal(api.totals.archived, 10, 'merged pages counted once in the total')

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  t.teardown(() => browser.close())
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN', acceptDownloads: true })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const problems: string[] = []
  page.on('pageerror', err => problems.push(`pageerror: ${err.message}`))
  page.on('console', msg => { if (msg.type() === 'error' && !/status of 401/.test(msg.text())) problems.push(msg.text()) })

  await page.goto(`${app.url}/bao-cao`)
  await page.getByLabel('Tên đăng nhập').fill('admin')
  await page.getByLabel('Mật khẩu').fill(ADMIN_PASSWORD)
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await page.getByRole('heading', { name: 'Báo cáo tiến độ số hóa' }).waitFor()
  t.equal(await page.locator('nav.sidebar a[aria-current=page]').textContent(), 'Báo cáo tiến độ', 'in the menu, current')
  t.equal(await page.locator('select[name=year]').inputValue(), String(YEAR), 'this year by default')

  await t.test('the whole catalogue, this year', async t => {
    await checkReport(t, page, api, 'all units')
    const merged = page.locator('[data-testid=report-units] tr[data-unit="624"]')
    t.match(await merged.getAttribute('class'), /merged/, 'the merged unit is greyed')
    t.match(norm(await merged.textContent()), /Đã hợp nhất vào Thành phố Pleiku \(622\)/, 'and says where it went')
    t.match(norm(await page.locator('[data-testid=report-units] tr[data-unit="622"] th').textContent()), /gồm cả số liệu của Thị xã Ayun Pa \(624\)/, 'the successor says what it includes')
    t.match(norm(await page.getByTestId('report-merged-note').textContent()), /Thị xã Ayun Pa \(624\) → Thành phố Pleiku \(622\)/, 'the chart notes the merge')
    t.equal(norm(await page.locator('[data-testid=report-chart] li[data-unit="622"] [data-testid=bar-value]').textContent()), '50% – 8/16 trang', 'the 622 bar in words')
    t.equal(norm(await page.locator('[data-testid=report-units] tr[data-unit="622"] [data-col=costVnd]').textContent()), '30.232', 'cost in đồng with Vietnamese grouping')
    t.equal(norm(await page.locator('[data-testid=report-units] tr[data-unit="623"] [data-col=forecast]').textContent()), 'Đã đạt chỉ tiêu', 'a reached target says so')
    await page.screenshot({ path: join(SHOTS, '10-bao-cao.png'), fullPage: true })
  })

  await t.test('one unit, and another year', async t => {
    await page.locator('select[name=unit]').selectOption('622')
    await page.waitForURL(/\/bao-cao\?unit=622$/)
    await checkReport(t, page, await admin.get(`/reports/progress?year=${YEAR}&unit=622`), '622')
    await page.locator('select[name=year]').selectOption('2023')
    await page.waitForURL(/\/bao-cao\?year=2023&unit=622$/)
    const y2023 = await admin.get('/reports/progress?year=2023&unit=622')
    t.ok(y2023.rows.find((r: any) => r.code === '622').targetEstimated, 'the plan\'s 2023 target for 622 is an estimated share')
    await checkReport(t, page, y2023, '2023 622')
    await page.locator('select[name=year]').selectOption('all')
    await page.waitForURL(/\/bao-cao\?year=all&unit=622$/)
    await checkReport(t, page, await admin.get('/reports/progress?unit=622'), 'all years 622')
    await page.reload()
    await checkReport(t, page, await admin.get('/reports/progress?unit=622'), 'after a reload (the choice is in the URL)')
  })

  await t.test('the XLSX and CSV links download with the session cookie', async t => {
    await page.goto(`${app.url}/bao-cao`)
    await page.locator('[data-testid=report-units] tbody tr').first().waitFor()
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()])
    t.equal(csv.suggestedFilename(), `tien-do-so-hoa-${YEAR}.csv`, 'named by year')
    const text = await readFile((await csv.path())!, 'utf8')
    t.ok(text.startsWith('\uFEFFMã đơn vị,'), 'UTF-8 with BOM, Vietnamese header')
    t.match(text, new RegExp(`\\r\\n622,Thành phố Pleiku,[^\\r]*,10,10,8,16,`), 'the 622 row with the same figures')
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-xlsx').click()])
    t.equal(xlsx.suggestedFilename(), `tien-do-so-hoa-${YEAR}.xlsx`)
    const bytes = await readFile((await xlsx.path())!)
    t.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX (zip) workbook')
  })

  await t.test('in English', async t => {
    await page.getByRole('button', { name: 'EN', exact: true }).click()
    await page.getByRole('heading', { name: 'Digitization progress report' }).waitFor()
    const en = formats('en-GB')
    t.equal(norm(await page.locator('[data-testid=report-units] tr[data-unit="622"] [data-col=costVnd]').textContent()), norm(en.n(8 * PRICE)), 'English grouping')
    t.equal(norm(await page.locator('[data-testid=report-chart] li[data-unit="622"] [data-testid=bar-value]').textContent()), '50% – 8/16 pages')
    await page.getByRole('button', { name: 'VI', exact: true }).click()
    await page.getByRole('heading', { name: 'Báo cáo tiến độ số hóa' }).waitFor()
  })

  await t.test('every role that can read has the page', async t => {
    const other = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage()
    other.setDefaultTimeout(20_000)
    await other.goto(`${app.url}/bao-cao?year=all`)
    await other.getByLabel('Tên đăng nhập').fill('vanhanh')
    await other.getByLabel('Mật khẩu').fill('mat-khau-van-hanh')
    await other.getByRole('button', { name: 'Đăng nhập' }).click()
    await other.locator('[data-testid=report-units] tbody tr').first().waitFor()
    const menu = other.locator('nav.sidebar')
    t.equal(await menu.getByRole('link', { name: 'Báo cáo tiến độ' }).count(), 1, 'an operator has the report')
    t.equal(await menu.getByRole('link', { name: 'Kết nối liên thông' }).count(), 0, 'not the integration page')
    t.equal(await menu.getByRole('link', { name: 'Nhật ký tra cứu' }).count(), 0, 'nor the lookup trail')
    await other.goto(`${app.url}/lien-thong`)
    await other.getByTestId('forbidden').waitFor()
    t.pass('a deep link to an admin page shows the notice, not the page')
    await other.context().close()
  })

  t.same(problems, [], 'no script errors or CSP violations in the page')
  t.comment(`report browser test: ${((Date.now() - started) / 1000).toFixed(1)} s`)
})

let ingest: string | null = null
/** One ingest token for the posts (made once per run). */
async function ingestToken (admin: Api): Promise<string> {
  if (ingest !== null) return ingest
  const res = await admin.send('POST', '/tokens', { name: 'test-ingest', scope: 'ingest' })
  ingest = (await res.json() as { secret: string }).secret
  return ingest
}
