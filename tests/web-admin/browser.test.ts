// The web admin in a real browser (Debian's chromium driven by playwright-core) against a really running appliance
// with a real saned (test backend): log in, scan through the feeder and watch the pages arrive, a test scan, a paper
// jam explained in Vietnamese and resumed, review (correct, approve), search without accents, the dashboard's counts,
// and an operator kept out of user management by the UI and by the API. Screenshots go to tests/artifacts/web-admin/.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { chromium, type Page } from 'playwright-core'
import { ROOT, startAppliance } from '../helpers/appliance.js'
import { startSaned } from '../helpers/saned.js'
import { tempDir } from '../helpers/tmp.js'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const SHOTS = join(ROOT, 'tests', 'artifacts', 'web-admin')
const ADMIN_PASSWORD = 'mat-khau-quan-tri'
const ADF = 'Automatic Document Feeder'
// A picture with ink (a uniform page is a blank duplex back, left out of records), small pages for a quick pipeline.
const TEST_CONF = 'number_of_devices 2\nresolution 50.0\ntest-picture "Color pattern"\n'
/** The test backend reads test.conf when a client connects: every later scan's reads fail with this status. */
const JAMMED_CONF = TEST_CONF + 'read-status-code "SANE_STATUS_JAMMED"\n'
const SUBJECT = 'Nguyễn Thị Ánh Tuyết'

/** A cookie session for API calls made beside the browser (setting up, and checking what the UI did). */
async function apiSession (url: string, username: string, password: string): Promise<{ get: (path: string) => Promise<any>, post: (path: string, body: unknown) => Promise<Response>, put: (path: string, body: unknown) => Promise<Response> }> {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`)
  const cookie = res.headers.get('set-cookie')!.split(';')[0]
  const { csrfToken } = await res.json() as { csrfToken: string }
  return {
    get: async (path) => await (await fetch(`${url}/api/v1${path}`, { headers: { cookie } })).json(),
    post: async (path, body) => await fetch(`${url}/api/v1${path}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    put: async (path, body) => await fetch(`${url}/api/v1${path}`, { method: 'PUT', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  }
}

async function shot (page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

t.test('the district IT officer\'s day in the web admin', async t => {
  if (!existsSync(join(ROOT, 'web-admin', 'dist', 'index.html'))) throw new Error('run `npm run build` first (it builds web-admin/dist)')
  if (!existsSync(CHROMIUM)) throw new Error('chromium is missing: firmware-scripts/host-packages.sh --test installs it')
  const started = Date.now()
  await mkdir(SHOTS, { recursive: true })
  const [saned, dataDir] = await Promise.all([startSaned({ files: { 'test.conf': TEST_CONF } }), tempDir(t, 'sohoa-web-')])
  t.teardown(() => saned.stop())
  const app = await startAppliance({ dataDir, adminPassword: ADMIN_PASSWORD, env: { SOHOA_SANED_HOSTS: `${saned.host}:${saned.port}` } })
  t.teardown(() => app.stop())
  const admin = await apiSession(app.url, 'admin', ADMIN_PASSWORD)
  t.equal((await admin.post('/users', { username: 'vanhanh', password: 'mat-khau-van-hanh', roles: ['operator'] })).status, 201, 'an operator account')
  // Small pages keep the pipeline quick: the admin sets the test scanners to 75 dpi (the UI flags it as below standard).
  const { scanners } = await admin.get('/scanners')
  for (const s of scanners) if (s.device.startsWith('test:')) t.equal((await admin.put(`/scanners/${s.id}/profile`, { resolution: 75 })).status, 200, `${s.device} at 75 dpi`)

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  t.teardown(() => browser.close())
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  // Anything the page logs as an error, except HTTP answers the app expects: 401 (not signed in, wrong password),
  // 403 (the operator's probe), 503 (replication not running on this node).
  const problems: string[] = []
  page.on('pageerror', err => problems.push(`pageerror: ${err.message}`))
  page.on('console', msg => { if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|403|503)/.test(msg.text())) problems.push(msg.text()) })
  const nav = (name: string) => page.locator('nav.sidebar').getByRole('link', { name, exact: true })

  await t.test('log in (a wrong password shows the API\'s Vietnamese message)', async t => {
    const res = await page.goto(app.url + '/')
    t.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/, 'the app is served with a strict CSP')
    await page.waitForURL('**/dang-nhap?next=%2F')
    await page.getByLabel('Tên đăng nhập').fill('admin')
    await page.getByLabel('Mật khẩu').fill('sai-mat-khau')
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    const alert = page.getByRole('alert')
    await alert.filter({ hasText: 'Sai tên đăng nhập hoặc mật khẩu' }).waitFor()
    t.notMatch(await alert.textContent(), /object Object|Error:|at /, 'no [object Object], no stack')
    await shot(page, '01-dang-nhap')
    await page.getByLabel('Mật khẩu').fill(ADMIN_PASSWORD)
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor()
    t.equal(new URL(page.url()).pathname, '/', 'back where the user was heading')
    t.equal(await nav('Người dùng').count(), 1, 'the admin sees user management')
  })

  let firstBatch = ''
  await t.test('scan through the feeder and watch the pages arrive', async t => {
    await nav('Máy quét').click()
    const card = page.locator('[data-testid=scanner][data-scanner="test:0"]')
    await card.waitFor()
    await card.locator('select[name=unit]').selectOption('622')
    await card.locator('select[name=source]').selectOption(ADF)
    t.equal(await card.locator('select[name=resolution]').inputValue(), '75', 'the profile\'s resolution is preselected')
    t.match(await card.textContent(), /thấp hơn tiêu chuẩn/, 'and flagged as below the standard')
    await shot(page, '02-may-quet')
    await card.getByRole('button', { name: 'Bắt đầu quét' }).click()
    await page.waitForURL(/\/may-quet\/dot\/b_[0-9a-z]{23}$/)
    firstBatch = page.url().split('/').pop()!
    // Pages appear one by one while the feeder runs (server-sent events), then the batch ends.
    await page.locator('[data-testid=pages-live] li').first().waitFor()
    await page.locator('[data-testid=batch-status][data-status=finished]').waitFor({ timeout: 30_000 })
    await page.locator('[data-testid=scanned]', { hasText: /^10$/ }).waitFor()
    await page.locator('[data-testid=recognized]', { hasText: /^10$/ }).waitFor({ timeout: 45_000 })
    t.equal(await page.locator('[data-testid=pages-live] li').count(), 10, 'ten pages listed live')
    t.equal(await page.locator('[data-testid=pages-live] li', { hasText: 'Đã nhận dạng' }).count(), 10, 'each marked recognized as the pipeline finished it')
    await shot(page, '03-dot-quet')
    const batch = await admin.get(`/batches/${firstBatch}`)
    t.match(batch, { status: 'finished', pageCount: 10, unit: '622' }, 'the API agrees')
  })

  await t.test('a test scan shows its page', async t => {
    await nav('Máy quét').click()
    const card = page.locator('[data-testid=scanner][data-scanner="test:1"]')
    await card.waitFor()
    await card.locator('select[name=unit]').selectOption('622')
    await card.getByRole('button', { name: 'Quét thử 1 trang' }).click()
    const image = card.locator('[data-testid=test-scan] img.test-image')
    await image.waitFor({ timeout: 30_000 })
    await page.waitForFunction(img => img !== null && (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0, await image.elementHandle())
    t.pass('the scanned page is shown')
  })

  await t.test('a paper jam is explained in Vietnamese and resume goes on', async t => {
    await writeFile(join(saned.configDir, 'test.conf'), JAMMED_CONF)
    await nav('Máy quét').click()
    const card = page.locator('[data-testid=scanner][data-scanner="test:0"]')
    await card.locator('select[name=unit]').selectOption('622')
    await card.getByRole('button', { name: 'Bắt đầu quét' }).click()
    await page.waitForURL(/\/may-quet\/dot\/b_/)
    const pause = page.locator('[data-testid=pause]')
    await pause.waitFor()
    t.match(await pause.locator('.pause-text').textContent(), /^Kẹt giấy\. Mở nắp khay nạp/, 'what to do, in plain Vietnamese')
    await page.locator('[data-testid=batch-status][data-status=paused]').waitFor()
    await shot(page, '04-ket-giay')
    // The operator cleared the jam.
    await writeFile(join(saned.configDir, 'test.conf'), TEST_CONF)
    await pause.getByRole('button', { name: 'Tiếp tục quét' }).click()
    await page.locator('[data-testid=batch-status][data-status=finished]').waitFor({ timeout: 30_000 })
    await page.locator('[data-testid=scanned]', { hasText: /^10$/ }).waitFor()
    t.equal(await pause.count(), 0, 'the pause notice is gone')
    await page.locator('[data-testid=recognized]', { hasText: /^10$/ }).waitFor({ timeout: 45_000 })
  })

  let reviewed = ''
  await t.test('review: correct a field, save, approve with the keyboard', async t => {
    await nav('Kiểm tra').click()
    const rows = page.locator('[data-testid=review-queue] tbody tr')
    await rows.first().waitFor()
    // Three batches (a stack, a test page, a stack after the jam): at least one record each, however stacks are cut.
    t.ok(await rows.count() >= 3, 'the scanned records wait for review')
    await rows.first().getByRole('link').first().click()
    await page.waitForURL(/\/kiem-tra\/r_[0-9a-z]{23}$/)
    reviewed = page.url().split('/').pop()!
    const form = page.locator('[data-testid=review-form]')
    await form.waitFor()
    await page.locator('.viewer-stage img').waitFor()
    await page.getByTestId('rotate').click()
    t.equal(await page.locator('.viewer-stage').getAttribute('data-rotation'), '90', 'the page turns')
    await page.locator('#field-subjectName').fill(SUBJECT)
    await page.locator('#field-documentNumber').fill('15/GCN-UBND')
    // The parties the result names: shown, and a reviewer adds one the machine did not read.
    await page.getByRole('heading', { name: 'Các bên ghi trên văn bản' }).waitFor()
    const partiesBefore = await page.getByTestId('party').count()
    await page.getByTestId('party-add').click()
    const added = page.getByTestId('party').nth(partiesBefore)
    await added.locator('select').selectOption('wife')
    await added.getByLabel('Họ tên / tên').fill('Lê Thị Hoa')
    await added.getByLabel('Số định danh').fill('064 196 000 456')
    await page.keyboard.press('Control+s')
    await page.getByTestId('review-message').filter({ hasText: 'Đã lưu (phiên bản 1).' }).waitFor()
    await shot(page, '05-kiem-tra')
    await page.keyboard.press('Control+Enter')
    await page.waitForURL(url => url.pathname.startsWith('/kiem-tra') && !url.pathname.endsWith(reviewed))
    const record = await admin.get(`/records/${reviewed}`)
    t.match(record, { status: /^(approved|archived)$/, fields: { subjectName: { value: SUBJECT, edited: true }, documentNumber: { value: '15/GCN-UBND' } } }, 'saved and approved through the API')
    t.match(record.parties, { edited: true }, 'the parties were saved as the reviewer left them')
    t.same(record.parties.value.at(-1), { role: 'wife', name: 'Lê Thị Hoa', idNumber: '064196000456' }, 'the added party, its ID as digits')
    // N goes on to the next record, as the shortcut says.
    const before = page.url()
    await page.locator('h1').first().click()
    await page.keyboard.press('n')
    await page.waitForURL(url => url.href !== before)
    t.pass('N opens the next record')
  })

  await t.test('find the record by a name typed without accents', async t => {
    await nav('Tra cứu').click()
    await page.getByRole('searchbox').fill('nguyen thi anh tuyet')
    // Words that may be a person's name: the page offers the purpose field, a search by a person needs it (issue 15).
    await page.locator('input[name=purpose]').fill('Giải quyết hồ sơ của công dân')
    await page.getByRole('button', { name: 'Tìm', exact: true }).click()
    await page.waitForURL(/\/tra-cuu\?q=nguyen/)
    const hit = page.locator(`[data-testid=results] a[href="/ho-so/${reviewed}"]`)
    // The index is updated in the background after the approval: give it a moment.
    const found = await hit.waitFor({ timeout: 10_000 }).then(() => true, () => false)
    t.ok(found, found ? 'the reviewed record is found' : `search did not find the reviewed record; page: "${await page.getByTestId('search-total').textContent()}", API: ${JSON.stringify(await admin.get('/search?q=nguyen%20thi%20anh%20tuyet&purpose=kiem-thu'))}`)
    // A filter on the corrected document number (case, spaces and dashes ignored) finds it too, with facets.
    await page.goto(`${app.url}/tra-cuu`)
    await page.locator('details summary', { hasText: 'Lọc' }).click()
    await page.locator('input[name=documentNumber]').fill('15 / gcn-ubnd')
    await page.getByRole('button', { name: 'Tìm', exact: true }).click()
    const byNumber = page.locator(`[data-testid=results] a[href="/ho-so/${reviewed}"]`)
    await byNumber.waitFor()
    t.equal(await page.getByTestId('search-total').textContent(), 'Tìm thấy 1 hồ sơ', 'found by its document number')
    await page.locator('aside.facets').waitFor()
    await shot(page, '06-tra-cuu')
    // The record page, from the hit.
    await byNumber.click()
    await page.locator('[data-testid=record-status]').waitFor()
    t.match(await page.locator('[data-testid=record-status]').getAttribute('data-status'), /^(approved|archived)$/)
    t.equal(await page.locator('[data-testid=record-fields] [data-field=subjectName]').textContent(), SUBJECT)
    await page.locator('[data-testid=versions] tbody tr').nth(1).waitFor()
    // Archiving (signed PDF) follows the approval in the background; then the PDF is shown in the page.
    let archived = false
    for (let i = 0; i < 40 && !archived; i++) {
      archived = (await admin.get(`/records/${reviewed}`)).status === 'archived'
      if (!archived) await new Promise(resolve => setTimeout(resolve, 500))
    }
    t.ok(archived, 'archived within 20 s of the approval')
    if (archived) {
      await page.reload()
      const pdf = page.locator('object.pdf')
      await pdf.waitFor({ state: 'attached' })
      const answer = await page.evaluate(async url => { const r = await fetch(url!); return { status: r.status, type: r.headers.get('content-type'), head: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5)) } }, await pdf.getAttribute('data'))
      t.match(answer, { status: 200, type: /application\/pdf/, head: '%PDF-' }, 'the signed PDF is embedded')
    }
    await shot(page, '07-ho-so')
    // A deep link survives a reload (the appliance answers index.html, the app routes it).
    await page.reload()
    await page.locator('[data-testid=record-status]').waitFor()
    t.pass('deep link reloads')
  })

  await t.test('the dashboard counts the scanned pages', async t => {
    await nav('Tổng quan').click()
    // 10 + 1 (test scan) + 10 (after the jam); the figures are cached for 5 s.
    await page.locator('[data-testid=pages-today]', { hasText: /^21$/ }).waitFor({ timeout: 15_000 })
    await page.locator('[data-testid=queue] [data-stage=indexed]', { hasText: /^21$/ }).waitFor({ timeout: 15_000 })
    t.equal(await page.getByTestId('pages-week').textContent(), '21')
    await shot(page, '08-tong-quan')
    await page.getByRole('button', { name: 'EN', exact: true }).click()
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
    t.equal(await nav('Records').count(), 1, 'the English switch translates the menu')
    await page.getByRole('button', { name: 'VI', exact: true }).click()
    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor()
    await nav('Đồng bộ').click()
    await page.getByTestId('sync-none').waitFor()
    t.pass('replication not configured is said plainly')
  })

  await t.test('an operator cannot reach user management', async t => {
    const operator = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage()
    operator.setDefaultTimeout(20_000)
    await operator.goto(app.url + '/nguoi-dung')
    await operator.getByLabel('Tên đăng nhập').fill('vanhanh')
    await operator.getByLabel('Mật khẩu').fill('mat-khau-van-hanh')
    await operator.getByRole('button', { name: 'Đăng nhập' }).click()
    await operator.getByTestId('forbidden').waitFor()
    t.equal(new URL(operator.url()).pathname, '/nguoi-dung', 'the deep link was followed after login')
    const menu = operator.locator('nav.sidebar')
    t.equal(await menu.getByRole('link', { name: 'Người dùng' }).count(), 0, 'no user management in the menu')
    t.equal(await menu.getByRole('link', { name: 'Kiểm tra' }).count(), 0, 'no review for an operator')
    t.equal(await menu.getByRole('link', { name: 'Máy quét' }).count(), 1, 'scanners are there')
    const answer = await operator.evaluate(async () => {
      const res = await fetch('/api/v1/users')
      return { status: res.status, body: await res.json() }
    })
    t.match(answer, { status: 403, body: { error: 'FORBIDDEN', message: 'Bạn không có quyền thực hiện thao tác này' } }, 'and the API refuses')
    const missing = await operator.evaluate(async () => { const r = await fetch('/api/v1/khong-co'); return { status: r.status, type: r.headers.get('content-type') } })
    t.match(missing, { status: 404, type: /json/ }, 'unknown API paths stay JSON 404s')
    await shot(operator, '09-van-hanh')
    await operator.context().close()
  })

  t.same(problems, [], 'no script errors or CSP violations in the page')
  t.comment(`browser test: ${((Date.now() - started) / 1000).toFixed(1)} s`)
})
