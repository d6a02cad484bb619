// GET /api/v1/dashboard on real parts (a real saned, the scanner service, a real store and pipeline whose steps are
// trivial except one injected failure), and how the appliance serves the built web admin (SPA fallback, caching,
// CSP, JSON 404s for the API).
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import Fastify from 'fastify'
import t from 'tap'
import { installErrorHandler } from '../../appliance/src/api/errors.js'
import webAdminRoutes from '../../appliance/src/api/routes/web-admin.js'
import { Pipeline } from '../../appliance/src/pipeline/index.js'
import type { Step } from '../../appliance/src/pipeline/index.js'
import { tempDir } from '../helpers/tmp.js'
import { ADF, logger, openHarness, startScan, waitFor, waitForStatus } from '../scanner/setup.js'

t.test('the dashboard counts pages, queue, failures, pauses, disk and scanners', async t => {
  let failures = 1
  const pass = (name: string, from: Step['from'], to: Step['to']): Step => ({ name, from, to, concurrency: 1, run: async () => {} })
  let jamAt = 0
  const h = await openHarness(t, {
    pipeline: ({ store }) => new Pipeline({
      store, logger, maxAttempts: 1,
      steps: [
        // The first page prepared fails for good: it must show as needing attention.
        { ...pass('prepare', 'received', 'prepared'), run: async () => { if (failures-- > 0) throw new Error('ảnh hỏng / broken image') } },
        pass('recognize', 'prepared', 'recognized'),
        pass('index', 'recognized', 'indexed')
      ]
    }),
    beforeSheet: async ({ n, device }) => { if (n === jamAt) await device.setOption('read-return-value', 'SANE_STATUS_JAMMED') }
  })
  const get = async (): Promise<any> => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/dashboard' })
    t.equal(res.statusCode, 200)
    return res.json()
  }

  const first = await startScan(t, h, { source: ADF, resolution: 75 })
  await waitForStatus(h.store, first, 'finished')
  await waitFor(async () => (await h.records.batch(first)).done, 10_000, 'pages processed')

  const d = await get()
  const answeredAt = Date.now()
  t.match(d.pages, { today: 10, week: 10, last7Days: 10 }, 'pages of today and this week')
  t.ok(d.pages.bytesLast7Days > 0, 'their bytes')
  t.match(d.queue, { received: 1, indexed: 9, failed: 1, depth: 0 }, 'the pipeline\'s counts per stage')
  t.equal(d.ocr.lastHour, 9, 'pages recognized in the last hour')
  t.equal(d.failures.pages, 1)
  t.match(d.failures.items, [{ recordId: /^r_/, batchId: first, stage: 'received', reason: /ảnh hỏng/ }], 'the failed page with its reason')
  t.same(d.failures.pausedBatches, [])
  t.ok(d.disk.totalBytes > 0 && d.disk.freeBytes > 0 && d.disk.usedBytes > 0, 'disk figures of the data dir')
  t.type(d.disk.daysLeft, 'number', 'days left at the week\'s rate')
  t.equal(d.replication, null, 'no replication on this node')
  t.ok(d.scanners.scanners.some((s: any) => s.id === h.id('test:0') && s.state === 'ready'), 'scanners and their state')

  t.equal((await get()).generatedAt, d.generatedAt, 'an answer within 5 s comes from the cache')

  jamAt = 2
  const second = await startScan(t, h, { source: ADF, resolution: 75 })
  await waitForStatus(h.store, second, 'paused')
  // The cache lasts 5 s from the end of the computation, which is before the answer arrived.
  await delay(Math.max(0, 5_100 - (Date.now() - answeredAt)))
  const later = await get()
  t.not(later.generatedAt, d.generatedAt, 'then it is computed again')
  t.equal(later.pages.today, 11, 'the new page is counted (the 7-day list grows by the newest keys)')
  t.match(later.failures.pausedBatches, [{ id: second, unit: '622', pageCount: 1, reason: /^SANE_JAMMED: Kẹt giấy/ }], 'the paused batch needs attention')

})

t.test('the built web admin is served at / with deep links, caching and JSON 404s for the API', async t => {
  const root = await tempDir(t, 'sohoa-web-root-')
  await mkdir(join(root, 'assets'))
  await writeFile(join(root, 'index.html'), '<!doctype html><title>sohoa</title><div id=app></div>')
  await writeFile(join(root, 'assets', 'index-abc123.js'), 'console.log(1)')
  const app = Fastify()
  installErrorHandler(app)
  await app.register(webAdminRoutes, { root })
  t.teardown(() => app.close())

  const home = await app.inject('/')
  t.equal(home.statusCode, 200)
  t.match(home.headers['content-type'], /text\/html/)
  t.match(home.headers['content-security-policy'], /default-src 'self'.*frame-ancestors 'none'/)
  t.equal(home.headers['cache-control'], 'no-cache')
  for (const path of ['/tra-cuu', '/ho-so/r_01m8gpvd52re8xf82stpd5t', '/may-quet/dot/b_x?y=1']) {
    const deep = await app.inject(path)
    t.equal(deep.statusCode, 200, `${path}: the app`)
    t.match(deep.body, /<div id=app>/)
  }
  const asset = await app.inject('/assets/index-abc123.js')
  t.equal(asset.statusCode, 200)
  t.match(asset.headers['cache-control'], /immutable/, 'hashed assets are cached for good')
  for (const path of ['/api/v1/nothing', '/api/v2', '/assets/gone-123.js', '/favicon.ico']) {
    const missing = await app.inject(path)
    t.equal(missing.statusCode, 404, `${path}: 404`)
    t.match(missing.json(), { error: 'NOT_FOUND', message: 'Không tìm thấy' }, `${path}: JSON`)
  }

  const bare = Fastify()
  await bare.register(webAdminRoutes, { root: join(root, 'assets') })
  t.teardown(() => bare.close())
  const notice = await bare.inject('/')
  t.match(notice.body, /chưa được dựng.*\n.*not built/, 'a node without the build says so at /')
})
