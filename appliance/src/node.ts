/**
 * The composition root: builds every service of one node from its configuration, in dependency order, and starts
 * and stops them in order. Nothing else constructs services.
 */
import { readFileSync, writeSync } from 'node:fs'
import { chmod, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApi, type Services } from './api/index.js'
import { Auth } from './auth/index.js'
import type { Config } from './config/index.js'
import { DashboardFigures } from './dashboard/index.js'
import { Intake } from './intake/index.js'
import { Inventory } from './inventory/index.js'
import { Reports } from './reports/index.js'
import type { Logger } from './log/index.js'
import type { RecordStepName } from './store/index.js'
import { Metrics } from './metrics/index.js'
import { closeImaging } from './imaging/index.js'
import { createOcrPool } from './ocr/index.js'
import { createRecordSteps, createSteps, pageSettled, Pipeline, RecordStepRunner, segmentDue } from './pipeline/index.js'
import { startPush } from './push/index.js'
import { PACKAGE_ROOT } from './paths.js'
import { RecordLifecycle, Records, searchDocumentOf } from './records/index.js'
import { checkFixityAndRecord, closeArchive, openArchive, publicUrlOf, type ArchiveServices } from './archive/index.js'
import { FileLinkSigner, LookupAudit, Outbox, outboxOptionsOf, resolveTargets, ResultLookup, type IntegrationServices } from './integration/index.js'
import { startSchedules } from './schedule/index.js'
import { createReplica } from './replica/index.js'
import { startSync } from '../../sync/src/index.js'
import { ScannerService } from './scanner/index.js'
import { createSearchService } from './search/index.js'
import { Store } from './store/index.js'
import { Units } from './units/index.js'

/**
 * TEST ONLY, off unless set: `SOHOA_TEST_KILL_AFTER_STEP=<record step>` makes the process SIGKILL itself right after
 * that record step's commit, so the crash tests can stop the appliance between any two record steps.
 */
function testKillAfterStep (): ((step: RecordStepName, subject: string) => void) | undefined {
  const target = process.env.SOHOA_TEST_KILL_AFTER_STEP
  if (!target) return undefined
  return (step, subject) => {
    if (step !== target) return
    // Written synchronously: the logger's buffered lines die with the process.
    writeSync(1, JSON.stringify({ msg: 'test kill after record step', step, subject }) + '\n')
    process.kill(process.pid, 'SIGKILL')
  }
}

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

type Mode = 'server' | 'offline'

/** What was started, stopped in reverse order; a failed stop is logged and the others still run. */
class Shutdown {
  private readonly steps: Array<() => Promise<void>> = []
  constructor (private readonly logger: Logger) {}
  add (fn: () => Promise<void>): void { this.steps.push(fn) }
  readonly run = async (): Promise<void> => {
    for (const fn of this.steps.splice(0).reverse()) await fn().catch(err => this.logger.error({ err }, 'stop failed'))
  }
}

/** Where the API listens once it does (signed links name it when no public URL is set). */
class ListenAddress {
  current: string | undefined
}

/**
 * `server`: the running appliance (pipeline, OCR, HTTP on the network and the control socket).
 * `offline`: for CLI commands while the appliance is stopped: same services and API, work is queued not run.
 */
export async function openNode (config: Config, logger: Logger, mode: Mode): Promise<NodeHandle> {
  const shutdown = new Shutdown(logger)
  try {
    const base = await openStores(config, logger, shutdown)
    const domain = await buildDomain(config, logger, mode, base, shutdown)
    const work = mode === 'server' ? await wirePipeline(config, logger, base, domain, shutdown) : undefined
    const edges = await buildEdges(config, logger, mode, base, domain, work, shutdown)
    const services = composeServices(config, logger, base, domain, work, edges, shutdown)
    const api = await buildApi({ services, logger, local: mode === 'offline' })
    shutdown.add(async () => await api.close())
    const handle: NodeHandle = { services, store: base.store, api, generatedAdminPassword: base.generatedAdminPassword, stop: shutdown.run }
    if (mode === 'offline' || work === undefined) return handle
    await startListeners(config, logger, { handle, base, domain, work, edges }, shutdown)
    return handle
  } catch (err) {
    await shutdown.run()
    throw err
  }
}

interface Base {
  store: Store
  units: Units
  auth: Auth
  generatedAdminPassword?: string
}

/** Stage 1: the store, the unit catalogue and the accounts. */
async function openStores (config: Config, logger: Logger, shutdown: Shutdown): Promise<Base> {
  const store = await Store.open(config.dataDir)
  shutdown.add(async () => await store.close())
  const units = new Units(store, { authority: config.role === 'province' })
  const seeded = await units.seed()
  if (seeded > 0) logger.info({ units: seeded }, 'unit catalogue seeded')
  const auth = new Auth(store, { sessionIdleMinutes: config.sessionIdleMinutes, sessionMaxHours: config.sessionMaxHours })
  const admin = await auth.ensureAdmin(config.adminPassword)
  return { store, units, auth, generatedAdminPassword: admin.generatedPassword }
}

interface Domain {
  records: Records
  search: ReturnType<typeof createSearchService>
  inventory: Inventory
  lifecycle: RecordLifecycle
  archive: ArchiveServices
}

/**
 * Stage 2: records, search, inventory and the archive. A change's follow-up work (extract, index, archive) is a
 * record step written with the change, so nothing here calls another service back.
 */
async function buildDomain (config: Config, logger: Logger, mode: Mode, { store, units }: Base, shutdown: Shutdown): Promise<Domain> {
  const records = new Records(store)
  const search = createSearchService(store.searchIndex)
  const inventory = new Inventory(store, units)
  const lifecycle = new RecordLifecycle(store)
  const archive = await openArchive({ config, store, units, lifecycle, search, logger: logger.child({ module: 'archive' }), serving: mode === 'server', version: VERSION })
  shutdown.add(async () => await closeArchive(archive))
  return { records, search, inventory, lifecycle, archive }
}

interface Work {
  pipeline: Pipeline
  metrics: Metrics
}

/** Stage 3 (server only): OCR, the page steps and the record steps, drained by one pipeline. */
async function wirePipeline (config: Config, logger: Logger, { store }: Base, domain: Domain, shutdown: Shutdown): Promise<Work> {
  const metrics = new Metrics()
  const ocr = await createOcrPool({ workers: config.ocrWorkers, cacheDir: join(config.dataDir, 'cache', 'tesseract') })
  shutdown.add(async () => await ocr.close())
  shutdown.add(async () => await closeImaging())
  const steps = await createSteps({ store, records: domain.records, search: domain.search, ocr, ocrConcurrency: config.ocrWorkers, maxPixels: config.maxPixels, metrics })
  const recordSteps = new RecordStepRunner({
    store,
    steps: createRecordSteps({ store, records: domain.records, search: domain.search, lifecycle: domain.lifecycle, inventory: domain.inventory, archiver: domain.archive.archiver, extractor: EXTRACTOR }),
    logger: logger.child({ module: 'record-steps' }),
    afterStep: testKillAfterStep()
  })
  const pipeline = new Pipeline({
    store, steps, recordSteps, logger: logger.child({ module: 'pipeline' }), maxAttempts: config.jobMaxAttempts,
    // A page given up on no longer holds its batch's segmentation or its record's extraction back.
    failedForGood: async (page, tx) => { await segmentDue(store, page, tx); pageSettled(page, tx) }
  })
  metrics.observe({ stageCounts: () => pipeline.counts, queueDepth: () => pipeline.depth })
  return { pipeline, metrics }
}

interface Edges {
  intake: Intake
  scanners?: ScannerService
  replica: Awaited<ReturnType<typeof createReplica>>
  sync: Awaited<ReturnType<typeof startSync>>
  reports: Reports
  integration: IntegrationServices
  outbox: Outbox
  listening: ListenAddress
}

/** Stage 4: the doors in (intake, scanners) and out (replication, reports, lookups, the outbox). */
async function buildEdges (config: Config, logger: Logger, mode: Mode, { store, units, auth }: Base, { search, inventory, archive }: Domain, work: Work | undefined, shutdown: Shutdown): Promise<Edges> {
  const pipeline = work?.pipeline
  const intake = new Intake({
    store, maxPixels: config.maxPixels, maxFilePixels: config.maxFilePixels, maxConcurrentUploads: config.maxConcurrentUploads, logger: logger.child({ module: 'intake' }),
    // The page jobs are committed with the pages: this only saves the pipeline a wait for its next start.
    onAccepted: (r) => { pipeline?.enqueue(r.pages.map(p => p.id)).catch(err => logger.error({ err }, 'could not schedule pages')) }
  })
  const scanners = pipeline !== undefined
    ? new ScannerService({ hosts: config.sanedHosts, timeoutMs: config.sanedTimeoutMs, store, intake, pipeline, logger: logger.child({ module: 'scanner' }) })
    : undefined
  // Replication: a district's source of log entries and files; on the province, every district's replica.
  const replica = await createReplica({ role: config.role, store, archiveLog: archive.archiveLog, search, units, peerId: archive.key.peerId, dataDir: config.dataDir, maxPixels: config.maxPixels, maxFileBytes: config.maxUploadBytes, logger: logger })
  shutdown.add(async () => await replica.close())
  if (mode === 'server') await replica.recover()
  const sync = await startSync({ config, key: archive.key, source: replica.source, sink: replica.sink, logger: logger.child({ module: 'sync' }), registry: work?.metrics.registry, mode, pollMs: config.syncPollMs })
  shutdown.add(async () => await sync.stop())
  // On the province the report adds every district's archived pages from its replica.
  const reports = new Reports({
    store, units, inventory, unitPriceVnd: config.unitPriceVnd,
    ...(replica.sink ? { archivedElsewhere: () => replica.sink!.archivedRecords() } : {})
  })
  // Result lookups for reuse (issue 7): signed, expiring file links and the audit trail of lookups by personal ID.
  // Links name the public URL, else the address the API really listens on (known only after listen).
  const listening = new ListenAddress()
  const links = FileLinkSigner.fromNodeKey(archive.key, () => publicUrlOf(config, listening.current), config.linkTtlSeconds)
  const integration: IntegrationServices = { links, lookup: new ResultLookup({ store, search, links }), audit: new LookupAudit({ store: store.audit, tokens: auth }) }
  // The outbox (issue 7): archive changes told to the one-stop systems / national portal; the archive log is its queue.
  const outbox = new Outbox({
    store, archiveLog: archive.archiveLog, link: (recordId, filename) => links.link(recordId, filename, { ttlSeconds: config.outboxLinkTtlSeconds }), targets: resolveTargets(config.outboxTargets),
    options: outboxOptionsOf(config), logger: logger.child({ module: 'outbox' }), registry: work?.metrics.registry, userAgent: `sohoa/${VERSION}`
  })
  shutdown.add(async () => await outbox.stop())
  // An archiving, a validity change or a deletion is a new log entry: idle targets look now, not at their next poll.
  archive.archiveLog.onAppend(() => outbox.nudge())
  return { intake, scanners, replica, sync, reports, integration, outbox, listening }
}

/** The services the API sees, and the bulk reindex (in place: search keeps answering from the old entries meanwhile). */
function composeServices (config: Config, logger: Logger, { store, units, auth }: Base, domain: Domain, work: Work | undefined, edges: Edges, shutdown: Shutdown): Services {
  const { records, search, inventory, lifecycle, archive } = domain
  const progress = { running: false, records: 0, startedAt: '' }
  const reindex = async (): Promise<{ records: number }> => {
    // Only an index of an older layout (emptied on open) or a failed one starts from nothing.
    if (await search.reindexAdvised()) await search.clear()
    Object.assign(progress, { running: true, records: 0, startedAt: new Date().toISOString() })
    try {
      let n = 0
      let batch: Array<{ id: string, doc: { text: string, attrs: Record<string, any>, fields: Record<string, string> } }> = []
      const flush = async (): Promise<void> => { if (batch.length > 0) await search.indexDocuments(batch); batch = [] }
      for await (const record of store.listRecords()) {
        if (record.deleted || record.supersededBy || record.pageIds.length === 0) await search.removeDocument(record.id)
        else batch.push({ id: record.id, doc: searchDocumentOf(record, await records.text(record.pageIds)) })
        if (batch.length >= 200) await flush()
        progress.records = ++n
        if (n % 5000 === 0) logger.info({ records: n }, 'reindex progress')
      }
      await flush()
      n += (await edges.replica.reindex()).records
      progress.records = n
      return { records: n }
    } finally {
      progress.running = false
    }
  }
  const dashboard = new DashboardFigures({ store, dataDir: config.dataDir, pipeline: work?.pipeline, sync: edges.sync, scanners: edges.scanners })
  shutdown.add(async () => { dashboard.close() })
  return {
    version: VERSION, config, files: store.files, auth, units, intake: edges.intake, records, lifecycle, search, pipeline: work?.pipeline, metrics: work?.metrics,
    scanners: edges.scanners, archive, sync: edges.sync, inventory, reports: edges.reports, dashboard, integration: edges.integration, outbox: edges.outbox,
    reindex, reindexProgress: () => ({ ...progress })
  }
}

/** Stage 5 (server only): the pipeline, the schedules, the scanners, the push doors, then HTTP and the control socket. */
async function startListeners (config: Config, logger: Logger, parts: { handle: NodeHandle, base: Base, domain: Domain, work: Work, edges: Edges }, shutdown: Shutdown): Promise<void> {
  const { handle, base: { store }, domain: { search, archive }, work: { pipeline }, edges } = parts
  const services = handle.services
  await pipeline.start()
  shutdown.add(async () => await pipeline.stop())
  const schedules = startSchedules([
    { name: 'fixity', schedule: config.fixitySchedule, run: async () => { const r = await checkFixityAndRecord({ store, archiveLog: archive.archiveLog, agent: 'system' }); return { files: r.files, failures: r.failures.length } } },
    { name: 'validity', schedule: config.validitySchedule, run: async () => await archive.lifecycle.sweepExpired() }
  ], logger.child({ module: 'schedule' }))
  shutdown.add(async () => await schedules.stop())
  // Loads the postings of common words so the first searches do not wait on LevelDB; not needed to serve.
  search.warmUp().catch(err => logger.warn({ err }, 'search warm-up failed'))
  // An index written by an older layout still answers, without fields; rebuild it in the background.
  if (await search.reindexAdvised()) {
    services.reindex().then(r => logger.info(r, 'search index rebuilt for the new layout'), err => logger.error({ err }, 'search rebuild failed'))
  }
  // Scanner batches a stop or crash left `scanning` are paused, so the operator can resume them.
  if (edges.scanners !== undefined) {
    const scanners = edges.scanners
    await scanners.start()
    shutdown.add(async () => await scanners.stop())
  }
  const push = await startPush({ config, intake: edges.intake, logger: logger.child({ module: 'push' }) })
  shutdown.add(async () => await push.stop())
  handle.address = await handle.api.listen({ host: config.host, port: config.port })
  edges.listening.current = handle.address
  await edges.outbox.start()
  const control = await buildApi({ services, logger: logger.child({ module: 'control' }), local: true })
  handle.controlSocket = join(config.dataDir, 'sohoa.sock')
  // Safe: the store's lock proves no other sohoa owns this data directory and its socket.
  await rm(handle.controlSocket, { force: true })
  await control.listen({ path: handle.controlSocket })
  await chmod(handle.controlSocket, 0o600)
  shutdown.add(async () => await control.close())
}
