/**
 * The dashboard's figures on a real store (no HTTP: tests/web-admin/dashboard.test.ts serves them with a real
 * saned and pipeline): pages of the last 7 days, failures and paused batches, disk, and the 5 s cache, on a node
 * without a pipeline, scanners or replication (offline), whose parts of the answer are null.
 */
import t from 'tap'
import { DashboardFigures } from '../../appliance/src/dashboard/index.js'
import { newId, Store, type Page } from '../../appliance/src/store/index.js'
import { idFloor } from '../../appliance/src/store/ids.js'
import { tempDir } from '../helpers/tmp.js'

const DAY = 86_400_000

function page (id: string, size: number, createdMs: number, extra: Partial<Page> = {}): Page {
  const at = new Date(createdMs).toISOString()
  return { id, recordId: newId('r'), batchId: 'b_x', unit: '622', index: 0, sha256: 'x', size, mime: 'image/png', width: 1, height: 1, dpi: 300, stage: 'indexed', ocrRuns: 1, createdAt: at, updatedAt: at, ...extra }
}

t.test('figures of an offline node: pages, failures, paused batches, disk; cached for a while', async t => {
  const dir = await tempDir(t)
  const store = await Store.open(dir)
  t.teardown(() => store.close())
  const now = Date.now()
  const old = now - 8 * DAY
  const failedAt = new Date(now).toISOString()
  const failing = page(newId('p'), 300, now, { stage: 'received', failed: { stage: 'received', reason: 'IMAGE_UNDECODABLE', at: failedAt } })
  await store.tx()
    .putPage(page(newId('p'), 100, now))
    .putPage(page(newId('p'), 200, now))
    .putPage(failing)
    .putPage(page(idFloor('p', old) + 'a'.repeat(13), 5000, old))
    .putJob({ id: failing.id, pageId: failing.id, stage: 'received', state: 'failed', attempts: 3, notBefore: 0, lastError: 'IMAGE_UNDECODABLE', updatedAt: failedAt })
    .putBatch({ id: newId('b'), unit: '622', source: 'scanner', status: 'paused', reason: 'paper jam', recordIds: [], pageCount: 4, createdAt: failedAt, updatedAt: failedAt })
    .putBatch({ id: newId('b'), unit: '622', source: 'api', status: 'finished', recordIds: [], pageCount: 1, createdAt: failedAt, updatedAt: failedAt })
    .commit()

  const figures = new DashboardFigures({ store, dataDir: dir })
  t.teardown(() => figures.close())
  const [a, b] = await Promise.all([figures.get(), figures.get()])
  t.equal(a, b, 'concurrent callers share one computation')
  t.same(a.pages, { today: 3, week: a.pages.week, last7Days: 3, bytesLast7Days: 600 }, 'the 8-day-old page is not counted')
  t.ok(a.pages.week >= 3)
  t.equal(a.queue, null, 'no pipeline: no queue')
  t.equal(a.scanners, null)
  t.equal(a.replication, null)
  t.equal(a.failures.pages, 1)
  t.match(a.failures.items, [{ pageId: failing.id, stage: 'received', reason: 'IMAGE_UNDECODABLE', at: failedAt }])
  t.match(a.failures.pausedBatches, [{ unit: '622', reason: 'paper jam', pageCount: 4 }])
  t.equal(a.failures.pausedBatches.length, 1, 'only paused batches')
  t.ok(a.disk !== null && a.disk.totalBytes > 0 && a.disk.freeBytes > 0)
  t.equal(a.disk?.daysLeft, Math.floor(a.disk!.freeBytes / (600 / 7)), 'days left at the last week\'s rate')

  await store.tx().putPage(page(newId('p'), 1, Date.now())).commit()
  t.equal((await figures.get()).pages.last7Days, 3, 'within 5 s the cached answer is served')
})
