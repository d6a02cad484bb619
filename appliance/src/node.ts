/**
 * The composition root: builds every service of one node from its configuration, in dependency order, and starts
 * and stops them in order. Nothing else constructs services.
 */
import { readFileSync } from 'node:fs'
import { chmod, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApi, type Services } from './api/index.js'
import { Auth } from './auth/index.js'
import type { Config } from './config/index.js'
import { DashboardFigures } from './dashboard/index.js'
import { Intake } from './intake/index.js'
import { changeOfRecord, Inventory } from './inventory/index.js'
import { Reports } from './reports/index.js'
import type { Logger } from './log/index.js'
import { Metrics } from './metrics/index.js'
import { closeImaging } from './imaging/index.js'
import { createOcrPool, type OcrPool } from './ocr/index.js'
import { Pipeline } from './pipeline/index.js'
import { createSteps, indexRecord } from './pipeline/steps.js'
import { startPush } from './push/index.js'
import { PACKAGE_ROOT } from './paths.js'
import { readRecordFields, RecordLifecycle, Records, searchDocumentOf, segmentIfComplete } from './records/index.js'
import { closeArchive, openArchive, type ArchiveServices } from './archive/index.js'
import { publicUrlOf } from './archive/setup.js'
import { FileLinkSigner, LookupAudit, Outbox, outboxOptionsOf, resolveTargets, ResultLookup, type IntegrationServices } from './integration/index.js'
import { checkFixityAndRecord } from './archive/log/index.js'
import { startSchedules } from './schedule/index.js'
import { createReplica } from './replica/index.js'
import { startSync } from '../../sync/src/index.js'
import { ScannerService } from './scanner/index.js'
import { createSearchService } from './search/index.js'
import { IndexJobRunner } from './pipeline/index-jobs.js'
import { Store } from './store/index.js'
import { Units } from './units/index.js'

/** The agent named in extraction events. */
const EXTRACTOR = 'sohoa-extract'

export const VERSION: string = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version

export interface NodeHandle {
  services: Services
  /** For the CLI's offline commands that work on the data itself (verify); the API never gets it. */
  store: Store
  /** The HTTP API (built, not listening, in offline mode). */
  api: FastifyInstance
  /** The admin's first password, when it was generated at this start (print it once). */
  generatedAdminPassword?: string
  /** Listening addresses (server mode). */
  address?: string
  controlSocket?: string
  stop: () => Promise<void>
}

/**
 * `server`: the running appliance (pipeline, OCR, HTTP on the network and the control socket).
 * `offline`: for CLI commands while the appliance is stopped: same services and API, work is queued not run.
 */
export async function openNode (config: Config, log: Logger, mode: 'server' | 'offline'): Promise<NodeHandle> {
  const store = await Store.open(config.dataDir)
  const cleanup: Array<() => Promise<void>> = [async () => await store.close()]
  const stop = async (): Promise<void> => { for (const fn of cleanup.reverse()) await fn().catch(err => log.error({ err }, 'stop failed')) }
  try {
    const units = new Units(store, { authority: config.role === 'province' })
    const seeded = await units.seed()
    if (seeded > 0) log.info({ units: seeded }, 'unit catalogue seeded')
    const auth = new Auth(store, { sessionIdleMinutes: config.sessionIdleMinutes, sessionMaxHours: config.sessionMaxHours })
    const admin = await auth.ensureAdmin(config.adminPassword)
    const records = new Records(store)
    const search = createSearchService(store.searchIndex)
    const inventory = new Inventory(store, units)
    // A record's change reaches the search index and its inventory file (counted → scanned → reviewed → archived).
    let outbox: Outbox | undefined
    // Every record write carries its index job (Tx.putRecord); the runner drains them, also after a crash.
    const indexJobs = new IndexJobRunner({ store, index: async (recordId) => await indexRecord({ store, records, search }, recordId), log: log.child({ module: 'index-jobs' }) })
    const reindexRecord = (recordId: string): void => {
      outbox?.nudge() // an archiving, validity change or deletion is a new log entry for the outbox
      indexJobs.nudge()
      void store.getRecord(recordId).then(async r => { if (r) await inventory.onRecordChanged(changeOfRecord(r)) })
        .catch(err => log.error({ err, recordId }, 'inventory update failed'))
    }
    let archive: ArchiveServices | undefined
    // Extraction reads a record's fields once all its pages are recognised, and again after its pages changed.
    const readFields = async (recordId: string): Promise<void> => {
      const fields = await readRecordFields(store, recordId)
      if (fields) await lifecycle.storeExtracted(recordId, fields, EXTRACTOR)
    }
    const lifecycle: RecordLifecycle = new RecordLifecycle(store, {
      changed: reindexRecord,
      removed: reindexRecord,
      regrouped: (recordId) => { void readFields(recordId).then(() => reindexRecord(recordId), err => log.error({ err, recordId }, 'field extraction failed')) },
      approved: (recordId) => archive?.archiver?.enqueue(recordId)
    })
    archive = await openArchive({ config, store, units, lifecycle, search, log: log.child({ module: 'archive' }), serving: mode === 'server', version: VERSION })
    cleanup.push(async () => await closeArchive(archive!))
    const segment = async (batchId: string): Promise<void> => {
      const result = await segmentIfComplete(store, batchId)
      if (!result) return
      for (const id of result.records) lifecycle.regroupedHook(id)
      for (const id of result.emptied) reindexRecord(id)
    }

    let pipeline: Pipeline | undefined
    let metrics: Metrics | undefined
    let ocr: OcrPool | undefined
    if (mode === 'server') {
      metrics = new Metrics({ stageCounts: () => pipeline!.counts, queueDepth: () => pipeline!.depth })
      ocr = await createOcrPool({ workers: config.ocrWorkers, cacheDir: join(config.dataDir, 'cache', 'tesseract') })
      cleanup.push(async () => await ocr!.close())
      cleanup.push(async () => await closeImaging())
      const steps = await createSteps({
        store, records, search, ocr, ocrConcurrency: config.ocrWorkers, maxPixels: config.maxPixels, metrics,
        recordRecognized: readFields,
        pagePrepared: async (page) => { await segment(page.batchId) }
      })
      pipeline = new Pipeline({ store, steps, log: log.child({ module: 'pipeline' }), maxAttempts: config.jobMaxAttempts })
    }
    const intake = new Intake({
      store, maxPixels: config.maxPixels, maxFilePixels: config.maxFilePixels, maxConcurrentUploads: config.maxConcurrentUploads, log: log.child({ module: 'intake' }),
      onAccepted: (r) => { void pipeline?.enqueue(r.pages.map(p => p.id)) },
      onBatchStatus: (batch) => { void segment(batch.id).catch(err => log.error({ err, batchId: batch.id }, 'segmentation failed')) }
    })
    const scanners = mode === 'server'
      ? new ScannerService({ hosts: config.sanedHosts, timeoutMs: config.sanedTimeoutMs, store, intake, pipeline, log: log.child({ module: 'scanner' }) })
      : undefined
    // Replication: a district's source of log entries and files; on the province, every district's replica.
    const replica = await createReplica({ role: config.role, store, log: archive.log, search, units, peerId: archive.key.peerId, dataDir: config.dataDir, maxPixels: config.maxPixels, maxFileBytes: config.maxUploadBytes, logger: log })
    cleanup.push(async () => await replica.close())
    if (mode === 'server') await replica.recover()
    const sync = await startSync({ config, key: archive.key, source: replica.source, sink: replica.sink, log: log.child({ module: 'sync' }), registry: metrics?.registry, mode, pollMs: config.syncPollMs })
    cleanup.push(async () => await sync.stop())
    // On the province the report adds every district's archived pages from its replica.
    const reports = new Reports({
      store, units, inventory, unitPriceVnd: config.unitPriceVnd,
      ...(replica.sink ? { archivedElsewhere: () => replica.sink!.archivedRecords() } : {})
    })
    // Result lookups for reuse (issue 7): signed, expiring file links and the audit trail of lookups by personal ID.
    // Links name the public URL, else the address the API really listens on (known only after listen).
    let listening: string | undefined
    const links = FileLinkSigner.fromNodeKey(archive.key, () => publicUrlOf(config, listening), config.linkTtlSeconds)
    const integration: IntegrationServices = { links, lookup: new ResultLookup({ store, search, links }), audit: new LookupAudit({ store: store.audit, tokens: auth }) }
    // The outbox (issue 7): archive changes told to the one-stop systems / national portal; the archive log is its queue.
    outbox = new Outbox({
      store, log: archive.log, link: (recordId, filename) => links.link(recordId, filename, { ttlSeconds: config.outboxLinkTtlSeconds }), targets: resolveTargets(config.outboxTargets),
      options: outboxOptionsOf(config), logger: log.child({ module: 'outbox' }), registry: metrics?.registry, userAgent: `sohoa/${VERSION}`
    })
    cleanup.push(async () => await outbox!.stop())
    const dashboard = new DashboardFigures({ store, dataDir: config.dataDir, pipeline, sync, scanners })
    cleanup.push(async () => { dashboard.close() })
    let reindexProgress = { running: false, records: 0, startedAt: '' }
    const services: Services = {
      version: VERSION, config, files: store.files, auth, units, intake, records, lifecycle, search, pipeline, metrics, scanners, archive, sync, inventory, reports, dashboard, integration, outbox,
      reindex: async () => {
        // In place, in bulk: search keeps answering from the old entries meanwhile. Only an index of an older layout
        // (emptied on open) or a failed one starts from nothing.
        if (await search.reindexAdvised()) await search.clear()
        reindexProgress = { running: true, records: 0, startedAt: new Date().toISOString() }
        try {
          let n = 0
          let batch: Array<{ id: string, doc: { text: string, attrs: Record<string, any>, fields: Record<string, string> } }> = []
          const flush = async (): Promise<void> => { if (batch.length > 0) await search.indexDocuments(batch); batch = [] }
          for await (const record of store.listRecords()) {
            if (record.deleted || record.supersededBy || record.pageIds.length === 0) await search.removeDocument(record.id)
            else batch.push({ id: record.id, doc: searchDocumentOf(record, await records.text(record.pageIds)) })
            if (batch.length >= 200) await flush()
            reindexProgress.records = ++n
            if (n % 5000 === 0) log.info({ records: n }, 'reindex progress')
          }
          await flush()
          n += (await replica.reindex()).records
          reindexProgress.records = n
          return { records: n }
        } finally {
          reindexProgress.running = false
        }
      },
      reindexProgress: () => ({ ...reindexProgress })
    }

    const api = await buildApi({ services, log, local: mode === 'offline' })
    cleanup.push(async () => await api.close())
    const handle: NodeHandle = { services, store, api, generatedAdminPassword: admin.generatedPassword, stop }
    if (mode === 'offline') return handle

    await pipeline!.start()
    indexJobs.start()
    cleanup.push(async () => await indexJobs.stop())
    await archive.archiver!.start()
    const schedules = startSchedules([
      { name: 'fixity', schedule: config.fixitySchedule, run: async () => { const r = await checkFixityAndRecord({ store, log: archive!.log, agent: 'system' }); return { files: r.files, failures: r.failures.length } } },
      { name: 'validity', schedule: config.validitySchedule, run: async () => await archive!.lifecycle.sweepExpired() }
    ], log.child({ module: 'schedule' }))
    cleanup.push(async () => await schedules.stop())
    // Loads the postings of common words so the first searches do not wait on LevelDB; not needed to serve.
    void search.warmUp().catch(err => log.warn({ err }, 'search warm-up failed'))
    // An index written by an older layout still answers, without fields; rebuild it in the background.
    if (await search.reindexAdvised()) {
      void services.reindex().then(r => log.info(r, 'search index rebuilt for the new layout'), err => log.error({ err }, 'search rebuild failed'))
    }
    cleanup.push(async () => await pipeline!.stop())
    // Scanner batches a stop or crash left `scanning` are paused, so the operator can resume them.
    await scanners!.start()
    cleanup.push(async () => await scanners!.stop())
    const push = await startPush({ config, intake, log: log.child({ module: 'push' }) })
    cleanup.push(async () => await push.stop())
    handle.address = await api.listen({ host: config.host, port: config.port })
    listening = handle.address
    await outbox.start()
    const control = await buildApi({ services, log: log.child({ module: 'control' }), local: true })
    handle.controlSocket = join(config.dataDir, 'sohoa.sock')
    // Safe: the store's lock proves no other sohoa owns this data directory and its socket.
    await rm(handle.controlSocket, { force: true })
    await control.listen({ path: handle.controlSocket })
    await chmod(handle.controlSocket, 0o600)
    cleanup.push(async () => await control.close())
    return handle
  } catch (err) {
    await stop()
    throw err
  }
}
