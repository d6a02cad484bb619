// The report's time on 100,000 synthetic pages (25,000 records over the 17 districts), on a real LevelDB: the
// figure quoted in docs/benchmarks.md. The bound is loose (machines under test load vary); the comment prints the time.
import t from 'tap'
import { progressXlsx } from '../../appliance/src/reports/index.js'
import type { RecordStatus } from '../../appliance/src/store/index.js'
import { openHarness, putSynthetic } from '../units/harness.js'

const PAGES = 100_000
const PER_RECORD = 4

t.test(`progress report over ${PAGES.toLocaleString('en')} pages`, async t => {
  const h = await openHarness(t)
  const districts = (await h.units.list()).filter(u => u.level === 'district').map(u => u.code)
  const statuses: RecordStatus[] = ['draft', 'approved', 'archived', 'archived']
  const start = Date.UTC(2024, 0, 1)
  let written = Date.now()
  let expectedArchived = 0
  for (let r = 0; r < PAGES / PER_RECORD;) {
    const tx = h.store.tx()
    for (let i = 0; i < 2500; i++, r++) {
      const status = statuses[r % statuses.length]
      const at = new Date(start + (r % 360) * 86_400_000).toISOString()
      if (status === 'archived') expectedArchived += PER_RECORD
      putSynthetic(tx, { unit: districts[r % districts.length], pages: PER_RECORD, status, createdAt: at, ...(status === 'archived' ? { archivedAt: at } : {}) })
    }
    await tx.commit()
  }
  written = Date.now() - written

  const began = performance.now()
  const report = await h.reports.progress({ year: 2024, now: new Date('2024-12-31T00:00:00Z') })
  const ms = performance.now() - began
  const xlsxStart = performance.now()
  const xlsx = await progressXlsx(report)
  const xlsxMs = performance.now() - xlsxStart
  t.comment(`wrote ${PAGES} pages in ${written} ms; report ${ms.toFixed(0)} ms (${(PAGES / ms * 1000).toFixed(0)} pages/s); xlsx ${xlsxMs.toFixed(0)} ms, ${xlsx.length} bytes`)
  t.equal(report.totals.received, PAGES)
  t.equal(report.totals.archived, expectedArchived)
  t.equal(report.totals.costVnd, expectedArchived * 3779)
  t.ok(ms < 30_000, `report in ${ms.toFixed(0)} ms`)
})
