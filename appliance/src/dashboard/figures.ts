/**
 * The figures of the web admin's Tổng quan page in one answer (`GET /api/v1/dashboard`). It is polled by every open
 * dashboard, so it is cheap: the answer is cached for 5 s and concurrent callers share one computation; pages are
 * counted from an in-memory list of the last 7 days that each refresh extends by reading only the newest keys;
 * the OCR rate comes from the pipeline's own events; a slow saned cannot hold the answer up.
 */
import { statfs } from 'node:fs/promises'
import type { Pipeline, StageEvent } from '../pipeline/index.js'
import { RECORD_STEPS, type RecordStepName } from '../store/index.js'
import type { ScannerList, ScannerService } from '../scanner/index.js'
import type { Page, Store } from '../store/index.js'
import type { SyncService } from '../../../sync/src/index.js'

const CACHE_MS = 5_000
const DAY_MS = 86_400_000
const WEEK_MS = 7 * DAY_MS
const HOUR_MS = 3_600_000
/** Each refresh reads again the pages of this last stretch: an id is made before its page commits (big uploads). */
const RESCAN_MS = 10 * 60_000
/** Longest wait for the saned hosts; a slower answer is kept for the next refresh. */
const SCANNERS_WAIT_MS = 2_000
const FAILURES_LISTED = 20

export interface DashboardView {
  generatedAt: string
  pages: { today: number, week: number, last7Days: number, bytesLast7Days: number }
  /** Pages per stage, and the record steps: jobs pending and runs since start, per step. */
  queue: { received: number, prepared: number, recognized: number, indexed: number, failed: number, depth: number, steps: RecordStepsFigures } | null
  ocr: { lastHour: number, windowMinutes: number }
  failures: {
    pages: number
    items: Array<{ pageId: string, recordId: string, batchId: string, stage: string, reason: string, at: string }>
    pausedBatches: Array<{ id: string, unit: string, reason: string | null, pageCount: number, updatedAt: string }>
  }
  disk: { totalBytes: number, freeBytes: number, usedBytes: number, daysLeft: number | null } | null
  replication: Record<string, unknown> | null
  scanners: { hosts: Array<{ host: string, state: string }>, scanners: Array<{ id: string, host: string, device: string, vendor: string, model: string, state: string, batchId?: string }> } | null
}

/** What the figures read: the store's pages, jobs and batches, and the live services when the node runs them. */
export interface DashboardDeps {
  store: Pick<Store, 'listPagesSince' | 'listJobs' | 'getPage' | 'listBatches'>
  /** Its file system's free space, and the last week's intake, say how many days the disk lasts. */
  dataDir: string
  /** Absent on an offline node: no queue, no OCR rate. */
  pipeline?: Pick<Pipeline, 'on' | 'off' | 'counts' | 'depth' | 'recordSteps'>
  sync?: Pick<SyncService, 'status'>
  scanners?: Pick<ScannerService, 'list'>
}

interface SeenPage { createdMs: number, size: number }

/** Local midnight today, and the Monday that starts this week (Vietnamese offices count weeks from Monday). */
function dayAndWeekStart (now: Date): { day: number, week: number } {
  const day = new Date(now.getFullYear(), now.getMonth(), now.getDate())
  const sinceMonday = (day.getDay() + 6) % 7
  return { day: day.getTime(), week: new Date(day.getFullYear(), day.getMonth(), day.getDate() - sinceMonday).getTime() }
}

export class DashboardFigures {
  /** Pages of the last 7 days by id; createdAt and size never change, so a page is read once. */
  private readonly recent = new Map<string, SeenPage>()
  private scannedUntil = 0
  /** Page id → when it was recognized, for the last hour. */
  private readonly recognized = new Map<string, number>()
  private readonly since = Date.now()
  private cached: { at: number, view: DashboardView } | null = null
  private running: Promise<DashboardView> | null = null
  private scannerList: DashboardView['scanners'] = null
  private scannerProbe: Promise<void> | null = null
  private readonly onStage = (e: StageEvent): void => { if (e.stage === 'recognized') this.recognized.set(e.pageId, Date.now()) }

  constructor (private readonly deps: DashboardDeps) {
    deps.pipeline?.on('stage', this.onStage)
  }

  close (): void {
    this.deps.pipeline?.off('stage', this.onStage)
  }

  async get (): Promise<DashboardView> {
    if (this.cached !== null && Date.now() - this.cached.at < CACHE_MS) return this.cached.view
    this.running ??= this.compute().then(view => {
      this.cached = { at: Date.now(), view }
      return view
    }).finally(() => { this.running = null })
    return await this.running
  }

  private async compute (): Promise<DashboardView> {
    const now = Date.now()
    const [pages, failures, disk, scanners] = await Promise.all([this.pageCounts(now), this.failures(), this.disk(), this.scanners()])
    for (const [id, at] of this.recognized) if (at < now - HOUR_MS) this.recognized.delete(id)
    const pipeline = this.deps.pipeline
    const replication = this.deps.sync !== undefined ? await this.deps.sync.status().catch(() => null) : null
    const daysLeft = disk !== null && pages.bytesLast7Days > 0 ? Math.floor(disk.freeBytes / (pages.bytesLast7Days / 7)) : null
    return {
      generatedAt: new Date(now).toISOString(),
      pages,
      queue: pipeline !== undefined ? { ...pipeline.counts, depth: pipeline.depth, steps: await recordStepsFigures(pipeline) } : null,
      ocr: { lastHour: this.recognized.size, windowMinutes: Math.min(60, Math.floor((now - this.since) / 60_000)) },
      failures,
      disk: disk !== null ? { ...disk, daysLeft } : null,
      replication: replication as Record<string, unknown> | null,
      scanners
    }
  }

  private async pageCounts (now: number): Promise<DashboardView['pages']> {
    const floor = now - WEEK_MS
    const from = this.scannedUntil === 0 ? floor : Math.max(floor, this.scannedUntil - RESCAN_MS)
    const first = this.scannedUntil === 0
    for await (const page of this.deps.store.listPagesSince(from)) this.see(page, now, first)
    this.scannedUntil = now
    const { day, week } = dayAndWeekStart(new Date(now))
    const out = { today: 0, week: 0, last7Days: 0, bytesLast7Days: 0 }
    for (const [id, p] of this.recent) {
      if (p.createdMs < floor) { this.recent.delete(id); continue }
      out.last7Days++
      out.bytesLast7Days += p.size
      if (p.createdMs >= week) out.week++
      if (p.createdMs >= day) out.today++
    }
    return out
  }

  private see (page: Page, now: number, first: boolean): void {
    if (!this.recent.has(page.id)) this.recent.set(page.id, { createdMs: Date.parse(page.createdAt), size: page.size })
    // After a restart, pages recognized in the last hour count from their last change (recognition is the last
    // step that changes a page, indexing follows within seconds).
    if (first && page.ocrRuns > 0 && !page.failed) {
      const at = Date.parse(page.updatedAt)
      if (at >= now - HOUR_MS) this.recognized.set(page.id, at)
    }
  }

  private async failures (): Promise<DashboardView['failures']> {
    const items: DashboardView['failures']['items'] = []
    let failed = 0
    // Jobs exist only for pages still in the pipeline, so this reads the queue, not the archive.
    for await (const job of this.deps.store.listJobs()) {
      if (job.state !== 'failed') continue
      failed++
      if (items.length >= FAILURES_LISTED) continue
      const page = await this.deps.store.getPage(job.pageId)
      if (page === undefined) continue
      items.push({ pageId: page.id, recordId: page.recordId, batchId: page.batchId, stage: page.failed?.stage ?? job.stage, reason: page.failed?.reason ?? job.lastError ?? '', at: page.failed?.at ?? job.updatedAt })
    }
    const pausedBatches: DashboardView['failures']['pausedBatches'] = []
    for await (const batch of this.deps.store.listBatches({ limit: 200 })) {
      if (batch.status === 'paused') pausedBatches.push({ id: batch.id, unit: batch.unit, reason: batch.reason ?? null, pageCount: batch.pageCount, updatedAt: batch.updatedAt })
    }
    return { pages: Math.max(failed, this.deps.pipeline?.counts.failed ?? 0), items, pausedBatches }
  }

  private async disk (): Promise<{ totalBytes: number, freeBytes: number, usedBytes: number } | null> {
    try {
      const s = await statfs(this.deps.dataDir)
      const total = s.blocks * s.bsize
      // bavail: what an unprivileged writer may still use (the appliance does not run as root in its image).
      const free = s.bavail * s.bsize
      return { totalBytes: total, freeBytes: free, usedBytes: total - s.bfree * s.bsize }
    } catch {
      return null
    }
  }

  private async scanners (): Promise<DashboardView['scanners']> {
    const service = this.deps.scanners
    if (service === undefined) return null
    this.scannerProbe ??= service.list({ options: false })
      .then((list: ScannerList) => {
        this.scannerList = {
          hosts: list.hosts.map(h => ({ host: h.host, state: h.state })),
          scanners: list.scanners.map(s => ({ id: s.id, host: s.host, device: s.device, vendor: s.vendor, model: s.model, state: s.state, ...(s.batchId !== undefined ? { batchId: s.batchId } : {}) }))
        }
      })
      .catch(() => {})
      .finally(() => { this.scannerProbe = null })
    const probe = this.scannerProbe
    await Promise.race([probe, new Promise(resolve => setTimeout(resolve, SCANNERS_WAIT_MS).unref())])
    return this.scannerList
  }
}

export type RecordStepsFigures = Record<RecordStepName, { pending: number, runs: number }>

/** Each record step's pending jobs (read from the store) and runs since start. */
async function recordStepsFigures (pipeline: Pick<Pipeline, 'recordSteps'>): Promise<RecordStepsFigures> {
  const runner = pipeline.recordSteps
  const pending = runner !== undefined ? await runner.pending() : undefined
  const runs = runner?.status().runs
  return Object.fromEntries(RECORD_STEPS.map(s => [s, { pending: pending?.[s] ?? 0, runs: runs?.[s] ?? 0 }])) as RecordStepsFigures
}
