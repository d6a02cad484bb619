// The integration pages in a real browser (Debian's chromium via playwright-core) against a really running
// appliance: archived records made the way the archiver makes them (tests/archive/log-fixture.ts), an outbox
// target that is a real HTTP server in this test (answering 500, then 200), dead letters after one attempt retried
// and discarded from the page; lookups made with a real integration token, then read in the lookup trail as an
// auditor, masked until revealed, filtered and paged. Each part skips (with its reason) on a node whose route answers
// 404. Screenshots go to tests/artifacts/web-admin/.
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { archiveRecord, openArchive } from '../archive/log-fixture.js'
import { ROOT, startAppliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const SHOTS = join(ROOT, 'tests', 'artifacts', 'web-admin')
const ADMIN_PASSWORD = 'mat-khau-quan-tri'
const AUDITOR = { username: 'kiemtoan', password: 'mat-khau-kiem-toan' }
const SUBJECT = '064190001234'
const OTHER_SUBJECT = '079188005678'
const SYSTEM = 'Một cửa huyện'
const PURPOSE = 'Giải quyết hồ sơ cấp phép sửa chữa nhà ở'
const TARGET = 'portal-test'

interface Api { get: (path: string) => Promise<{ status: number, body: any }>, send: (method: string, path: string, body?: unknown) => Promise<Response> }

async function apiSession (url: string, username: string, password: string): Promise<Api> {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`)
  const cookie = res.headers.get('set-cookie')!.split(';')[0]
  const { csrfToken } = await res.json() as { csrfToken: string }
  return {
    get: async (path) => { const r = await fetch(`${url}/api/v1${path}`, { headers: { cookie } }); return { status: r.status, body: await r.json() } },
    send: async (method, path, body) => await fetch(`${url}/api/v1${path}`, {
      method, headers: { cookie, 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body)
    })
  }
}

/** The portal: a real HTTP server that answers 500 or 200 and remembers each delivery's idempotency key and answer. */
async function startPortal (t: { teardown: (fn: () => unknown) => void }): Promise<{ url: string, status: { code: number }, seen: Array<{ key: string, code: number }> }> {
  const status = { code: 500 }
  const seen: Array<{ key: string, code: number }> = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      const code = status.code
      seen.push({ key: String(req.headers['idempotency-key'] ?? ''), code })
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(code === 200 ? { error_code: 0 } : { error_code: -1, message: 'lỗi máy chủ cổng' }))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => await new Promise(resolve => { server.closeAllConnections(); server.close(resolve) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dongbo`, status, seen }
}

async function until<T> (what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 150))
  }
}

async function signIn (browser: Browser, url: string, path: string, username: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' })).newPage()
  page.setDefaultTimeout(20_000)
  await page.goto(url + path)
  await page.getByLabel('Tên đăng nhập').fill(username)
  await page.getByLabel('Mật khẩu').fill(password)
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await page.locator('nav.sidebar').waitFor()
  return page
}

const norm = (s: string | null): string => (s ?? '').replace(/[\u00a0\u202f]/g, ' ').trim()

t.test('the integration and lookup-trail pages', async t => {
  if (!existsSync(join(ROOT, 'web-admin', 'dist', 'index.html'))) throw new Error('run `npm run build` first (it builds web-admin/dist)')
  if (!existsSync(CHROMIUM)) throw new Error('chromium is missing: firmware-scripts/host-packages.sh --test installs it')
  const started = Date.now()
  await mkdir(SHOTS, { recursive: true })
  const dataDir = await tempDir(t, 'sohoa-web-integration-')
  const archive = await openArchive(t, dataDir)
  const fields = (subjectId: string, n: number): Record<string, string> => ({
    documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: `${1470 + n}/GPXD-UBND`, issuedDate: '2019-05-14', issuer: 'UBND HUYỆN CHƯ SÊ',
    subjectName: 'Nguyễn Văn An', subjectId
  })
  const records = [await archiveRecord(archive, { unit: '622', fields: fields(SUBJECT, 0) }), await archiveRecord(archive, { unit: '622', fields: fields(OTHER_SUBJECT, 1) })]
  await archive.store.close()

  const portal = await startPortal(t)
  const app = await startAppliance({
    dataDir,
    adminPassword: ADMIN_PASSWORD,
    env: { SOHOA_OUTBOX_TARGETS: `${TARGET}=${portal.url}`, SOHOA_OUTBOX_MAX_ATTEMPTS: '1', SOHOA_OUTBOX_BACKOFF_MS: '50', SOHOA_OUTBOX_POLL_MS: '100', SOHOA_OUTBOX_TIMEOUT_MS: '3000' }
  })
  t.teardown(() => app.stop())
  const admin = await apiSession(app.url, 'admin', ADMIN_PASSWORD)
  t.equal((await admin.send('POST', '/users', { username: AUDITOR.username, password: AUDITOR.password, roles: ['auditor'] })).status, 201, 'an auditor')

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  t.teardown(() => browser.close())
  const problems: string[] = []
  const watch = (page: Page): void => {
    page.on('pageerror', err => problems.push(`pageerror: ${err.message}`))
    // 404: the check of the "not available" state below answers one on purpose.
    page.on('console', msg => { if (msg.type() === 'error' && !/status of (401|404)/.test(msg.text())) problems.push(msg.text()) })
  }

  // The routes are written beside this page: a build without them skips that part, saying why.
  const outboxProbe = await admin.get('/integration/outbox')
  const auditProbe = await admin.get('/integration/audit')
  const noOutbox = outboxProbe.status === 404 ? 'GET /api/v1/integration/outbox answers 404 on this build: the outbox routes are not there yet' : false
  const noAudit = auditProbe.status === 404 ? 'GET /api/v1/integration/audit answers 404 on this build: the lookup routes are not there yet' : false

  await t.test('outbox: dead letters retried and discarded from the page', { skip: noOutbox }, async t => {
    t.equal(outboxProbe.status, 200, 'the outbox status')
    const recordIds = records.map(r => r.record.id)
    const dead = await until('both records as dead letters', async () => {
      const list = (await admin.get('/integration/outbox/dead-letters')).body.deadLetters as any[]
      const mine = list.filter(d => recordIds.includes(d.recordId))
      return mine.length === 2 ? mine.sort((a, b) => a.seq - b.seq) : undefined
    })
    t.ok(portal.seen.length >= 2 && portal.seen.every(s => s.code === 500), 'the portal answered 500 to every attempt')

    const page = await signIn(browser, app.url, '/lien-thong', 'admin', ADMIN_PASSWORD)
    watch(page)
    await page.getByRole('heading', { name: 'Kết nối liên thông' }).waitFor()
    const status = (await admin.get('/integration/outbox')).body.targets.find((x: any) => x.name === TARGET)
    const row = page.locator(`[data-testid=outbox-targets] tr[data-target="${TARGET}"]`)
    await row.waitFor()
    t.equal(norm(await row.locator('[data-col=pending]').textContent()), String(status.pending), 'pending as the API says')
    t.equal(norm(await row.locator('[data-col=delivered]').textContent()), String(status.delivered), 'delivered as the API says')
    t.equal(norm(await row.locator('[data-col=deadLetters]').textContent()), String(status.deadLetters), 'dead letters as the API says')
    t.match(await row.textContent(), portal.url, 'the target\'s URL')
    for (const d of dead) {
      const line = page.locator(`[data-testid=dead-letters] tr[data-dead-letter="${d.id}"]`)
      t.match(norm(await line.textContent()), `#${d.seq}`, `dead letter #${d.seq} listed`)
      t.equal(norm(await line.locator('[data-col=lastError]').textContent()), d.lastError, 'with its last error')
    }
    await page.screenshot({ path: join(SHOTS, '11-lien-thong.png'), fullPage: true })

    // The portal is repaired: the first goes again with the same idempotency key and arrives once.
    portal.status.code = 200
    const [first, second] = dead
    await page.locator(`tr[data-dead-letter="${first.id}"]`).getByRole('button', { name: 'Gửi lại' }).click()
    await page.getByTestId('dead-letter-done').filter({ hasText: `Đã đưa mục #${first.seq} vào hàng đợi gửi lại.` }).waitFor()
    await until('the retried message delivered', async () => portal.seen.some(s => s.key === first.idempotencyKey && s.code === 200))
    const delivered = await until('the dead letter marked delivered', async () => {
      const all = (await admin.get('/integration/outbox/dead-letters?state=all')).body.deadLetters as any[]
      return all.find(d => d.id === first.id && d.state === 'delivered')
    })
    t.equal(portal.seen.filter(s => s.key === first.idempotencyKey && s.code === 200).length, 1, 'delivered exactly once')
    t.equal(delivered.idempotencyKey, first.idempotencyKey, 'with its original idempotency key')

    // The second is discarded: the reason is required.
    const secondRow = page.locator(`tr[data-dead-letter="${second.id}"]`)
    await secondRow.getByRole('button', { name: 'Hủy' }).click()
    const confirm = secondRow.getByRole('button', { name: 'Xác nhận hủy' })
    t.ok(await confirm.isDisabled(), 'no discard without a reason')
    await secondRow.getByLabel('Lý do hủy (bắt buộc, được lưu vào lịch sử)').fill('Cổng đã nhận qua kênh khác')
    await confirm.click()
    await page.getByTestId('dead-letter-done').filter({ hasText: `Đã hủy mục #${second.seq}` }).waitFor()
    const discarded = (await admin.get('/integration/outbox/dead-letters?state=all')).body.deadLetters.find((d: any) => d.id === second.id)
    t.match(discarded, { state: 'discarded', discarded: { by: 'admin', reason: 'Cổng đã nhận qua kênh khác' } }, 'discarded with its reason, by the admin')
    t.notOk(portal.seen.some(s => s.key === second.idempotencyKey && s.code === 200), 'a discarded message is never delivered')

    // The page after a reload: nothing open; the history shows both with what happened to them.
    await page.reload()
    await page.getByTestId('dead-letters-none').waitFor()
    await page.getByLabel('Hiện cả các mục đã xử lý (đã gửi lại thành công, đã hủy)').check()
    await page.locator(`tr[data-dead-letter="${first.id}"][data-state=delivered]`).waitFor()
    t.match(norm(await page.locator(`tr[data-dead-letter="${second.id}"][data-state=discarded]`).textContent()), /Đã hủy.*admin hủy lúc .*: Cổng đã nhận qua kênh khác/, 'the discard, who and why')
    t.equal(norm(await row.locator('[data-col=deadLetters]').textContent()), '0', 'no dead letter left for the target')
    await page.screenshot({ path: join(SHOTS, '12-lien-thong-lich-su.png'), fullPage: true })

    // A node without the routes: the page says the feature is not available (the route answers 404 here).
    await page.route('**/api/v1/integration/outbox**', route => route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: 'NOT_FOUND', message: 'Không tìm thấy', messageEn: 'Not found' }) }))
    await page.reload()
    await page.getByTestId('outbox-unavailable').waitFor()
    t.equal(await page.getByTestId('dead-letters').count(), 0, 'a 404 is "not available", not a crash')
    await page.unroute('**/api/v1/integration/outbox**')
    await page.context().close()
  })

  await t.test('lookup trail: masked, revealed on click, filtered, paged', { skip: noAudit }, async t => {
    t.equal(auditProbe.status, 200, 'the trail, for an admin')
    t.equal((await admin.send('POST', '/admin/reindex')).status, 200, 'the seeded records indexed')
    const made = await admin.send('POST', '/tokens', { name: SYSTEM, scope: 'integration' })
    t.equal(made.status, 201, 'an integration token')
    const { token, secret } = await made.json() as { token: { id: string }, secret: string }
    const lookup = async (query: string): Promise<Response> => await fetch(`${app.url}/api/v1/integration/results?${query}`, { headers: { authorization: `Bearer ${secret}` } })

    const found = await lookup(new URLSearchParams({ subjectId: SUBJECT, purpose: PURPOSE }).toString())
    t.equal(found.status, 200, 'a lookup by personal ID with a purpose')
    t.equal(((await found.json()) as any).results.length, 1, 'finds the one archived result of that ID')
    // 50 more lookups of the other ID and one refused (no purpose): 52 entries, more than a page of 50.
    for (let i = 0; i < 50; i++) t.equal((await lookup(new URLSearchParams({ subjectId: OTHER_SUBJECT, purpose: `${PURPOSE} ${i}` }).toString())).status, 200)
    t.equal((await lookup(new URLSearchParams({ subjectId: SUBJECT }).toString())).status, 400, 'no purpose: refused')
    const api = (await admin.get('/integration/audit?limit=500')).body.entries as any[]
    t.equal(api.length, 52, 'every lookup is in the trail')

    const page = await signIn(browser, app.url, '/nhat-ky-tra-cuu', AUDITOR.username, AUDITOR.password)
    watch(page)
    const menu = page.locator('nav.sidebar')
    t.equal(await menu.getByRole('link', { name: 'Nhật ký tra cứu' }).count(), 1, 'an auditor has the trail')
    t.equal(await menu.getByRole('link', { name: 'Báo cáo tiến độ' }).count(), 1, 'and the report')
    t.equal(await menu.getByRole('link', { name: 'Kết nối liên thông' }).count(), 0, 'not the outbox')
    const rows = page.locator('[data-testid=lookups] tbody tr')
    await rows.first().waitFor()
    t.equal(await rows.count(), 50, 'a page of 50')
    t.same(await rows.evaluateAll(els => els.map(e => e.getAttribute('data-entry'))), api.slice(0, 50).map(e => e.id), 'newest first, as the API orders them')
    const refused = rows.first()
    t.match(norm(await refused.textContent()), /Bị từ chối.*PURPOSE_REQUIRED/, 'the refused lookup, newest, with its code')
    t.equal(norm(await refused.getByTestId('subject-id').textContent()), '064•••••1234', 'the ID masked')
    t.notOk((await page.locator('main').textContent())!.includes(SUBJECT), 'the full ID is nowhere on the screen')
    t.match(norm(await refused.textContent()), SYSTEM, 'the system by its token name')
    await page.screenshot({ path: join(SHOTS, '13-nhat-ky-tra-cuu.png') })
    const reveal = refused.getByRole('button', { name: 'Hiện' })
    await reveal.click()
    t.equal(norm(await refused.getByTestId('subject-id').textContent()), SUBJECT, 'revealed on click')
    t.equal(await refused.getByRole('button', { name: 'Ẩn' }).getAttribute('aria-pressed'), 'true')
    t.equal(norm(await rows.nth(1).getByTestId('subject-id').textContent()), '079•••••5678', 'only that row')
    await refused.getByRole('button', { name: 'Ẩn' }).click()
    t.equal(norm(await refused.getByTestId('subject-id').textContent()), '064•••••1234', 'and hidden again')

    await page.getByTestId('lookups-more').click()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=lookups] tbody tr').length === 52)
    t.same(await rows.evaluateAll(els => els.map(e => e.getAttribute('data-entry'))), api.map(e => e.id), 'the next page follows, by the cursor')
    t.equal(await page.getByTestId('lookups-more').count(), 0, 'and nothing more after it')

    const filter = async (values: Record<string, string>): Promise<Array<string | null>> => {
      for (const name of ['from', 'to', 'subjectId', 'system']) await page.locator(`[data-testid=lookup-filters] input[name=${name}]`).fill(values[name] ?? '')
      await page.getByRole('button', { name: 'Lọc', exact: true }).click()
      await page.waitForFunction(() => document.querySelector('[data-testid=lookup-filters] button[type=submit]:disabled') === null)
      return await page.locator('[data-testid=lookups] tbody tr').evaluateAll(els => els.map(e => e.getAttribute('data-entry')))
    }
    const bySubject = api.filter(e => e.subjectId === SUBJECT).map(e => e.id)
    t.same(await filter({ subjectId: SUBJECT }), bySubject, 'by personal ID: its two lookups')
    t.same(await filter({ subjectId: SUBJECT, system: SYSTEM }), bySubject, 'by system name (sent as its token id) and ID')
    t.equal(api[0].principal.id, token.id, 'the trail names the token')
    t.same(await filter({ subjectId: SUBJECT, system: 'he-thong-khac' }), [], 'another system: none')
    await page.getByTestId('lookups-none').waitFor()
    const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10)
    const yesterday = new Date(Date.now() + 7 * 3600_000 - 86_400_000).toISOString().slice(0, 10)
    t.same(await filter({ from: today, to: today, subjectId: SUBJECT }), bySubject, 'today (Vietnam time)')
    t.same(await filter({ from: yesterday, to: yesterday }), [], 'yesterday: none')

    await page.goto(`${app.url}/lien-thong`)
    await page.getByTestId('forbidden').waitFor()
    t.pass('the outbox page is closed to an auditor')
    await page.context().close()
  })

  t.same(problems, [], 'no script errors or CSP violations in the pages')
  t.comment(`integration browser test: ${((Date.now() - started) / 1000).toFixed(1)} s`)
})
