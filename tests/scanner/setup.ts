/**
 * Shared set-up of the scanner service tests: a real saned (test and pnm backends), a real store in a temp
 * dir with the shipped units, a real Intake and Records, the ScannerService, and the HTTP API built around
 * them (`local: true`, so no login). Everything is closed in order when the test ends.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApi, type Services } from '../../appliance/src/api/index.js'
import { Auth } from '../../appliance/src/auth/index.js'
import { DEFAULTS } from '../../appliance/src/config/index.js'
import { DashboardFigures } from '../../appliance/src/dashboard/index.js'
import { DEFAULT_MAX_PIXELS } from '../../appliance/src/imaging/index.js'
import { Intake } from '../../appliance/src/intake/index.js'
import { Inventory } from '../../appliance/src/inventory/index.js'
import { Reports } from '../../appliance/src/reports/index.js'
import { createLogger } from '../../appliance/src/log/index.js'
import type { Pipeline } from '../../appliance/src/pipeline/index.js'
import { RecordLifecycle, Records } from '../../appliance/src/records/index.js'
import { readProvenance, scannerId, parseSanedHost, ScannerService, type BeforeSheetHook, type BatchEvent } from '../../appliance/src/scanner/index.js'
import { createSearchService, type SearchService } from '../../appliance/src/search/index.js'
import { Store, type Batch, type BatchStatus, type Page } from '../../appliance/src/store/index.js'
import { Units } from '../../appliance/src/units/index.js'
import { startSaned, type RunningSaned, type StartSanedOptions } from '../helpers/saned.js'

export const logger = createLogger('silent')
export const ADF = 'Automatic Document Feeder'
export const UNIT = '622'

export interface HarnessOptions {
  /** A saned to use (default: a new one for this harness). */
  saned?: RunningSaned
  sanedOptions?: StartSanedOptions
  /** More saned hosts in the configuration (e.g. one where nobody listens). */
  extraHosts?: string[]
  timeoutMs?: number
  beforeSheet?: BeforeSheetHook
  /** A pipeline on the harness's store: started before the service, stopped before the store closes. */
  pipeline?: (parts: { store: Store, records: Records, search: SearchService }) => Pipeline | Promise<Pipeline>
  /** An existing store (a "restarted" appliance on the same data). */
  store?: Store
}

export interface Harness {
  saned: RunningSaned
  store: Store
  intake: Intake
  records: Records
  scanners: ScannerService
  services: Services
  app: FastifyInstance
  /** The scanner id of a device on the harness's saned. */
  id: (device?: string) => string
  /** Every event of a batch, in order, from the moment of the call. */
  record: (batchId: string) => BatchEvent[]
}

export async function openHarness (t: Test, opts: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-scanner-'))
  const saned = opts.saned ?? await startSaned(opts.sanedOptions)
  const store = opts.store ?? await Store.open(join(dir, 'data'))
  let scanners: ScannerService | undefined
  let app: FastifyInstance | undefined
  let pipeline: Pipeline | undefined
  t.teardown(async () => {
    await app?.close()
    await scanners?.stop()
    await pipeline?.stop()
    if (opts.store === undefined) await store.close()
    if (opts.saned === undefined) await saned.stop()
    await rm(dir, { recursive: true, force: true })
  })
  const records = new Records(store)
  const search = createSearchService(store.searchIndex)
  pipeline = await opts.pipeline?.({ store, records, search })
  await new Units(store).seed()
  const intake = new Intake({ store, maxPixels: DEFAULT_MAX_PIXELS, logger, onAccepted: r => { void pipeline?.enqueue(r.pages.map(p => p.id)) } })
  await pipeline?.start()
  const hosts = [`${saned.host}:${saned.port}`, ...(opts.extraHosts ?? [])]
  const timeoutMs = opts.timeoutMs ?? 5000
  scanners = new ScannerService({ hosts, timeoutMs, startTimeoutMs: timeoutMs, store, intake, pipeline, logger, beforeSheet: opts.beforeSheet })
  await scanners.start()
  const config = { ...DEFAULTS, dataDir: join(dir, 'data'), sanedHosts: hosts, sanedTimeoutMs: timeoutMs }
  const units = new Units(store)
  const inventory = new Inventory(store, units)
  const dashboard = new DashboardFigures({ store, dataDir: config.dataDir, pipeline, scanners })
  t.teardown(() => dashboard.close())
  const services: Services = {
    version: 'test', config, files: store.files, auth: new Auth(store, { sessionIdleMinutes: 30 }), units, intake, records,
    lifecycle: new RecordLifecycle(store), search, pipeline, scanners, inventory, dashboard,
    reports: new Reports({ store, units, inventory, unitPriceVnd: config.unitPriceVnd }),
    reindex: async () => ({ records: 0 })
  }
  app = await buildApi({ services, logger, local: true })
  const saneHost = parseSanedHost(hosts[0])
  const service = scanners
  return {
    saned, store, intake, records, scanners: service, services, app,
    id: (device = 'test:0') => scannerId(saneHost, device),
    record: (batchId) => {
      const events: BatchEvent[] = []
      const off = service.events.subscribe(batchId, e => events.push(e))
      t.teardown(off)
      return events
    }
  }
}

/** Polls the store until the batch has `status` (fails after `ms`). */
export async function waitForStatus (store: Store, batchId: string, status: BatchStatus, ms = 10_000): Promise<Batch> {
  const end = Date.now() + ms
  for (;;) {
    const batch = await store.getBatch(batchId)
    if (batch?.status === status) return batch
    if (Date.now() > end) throw new Error(`batch ${batchId} is ${batch?.status ?? 'missing'} (${batch?.reason ?? ''}), not ${status}, after ${ms} ms`)
    await delay(20)
  }
}

export async function waitFor (check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await delay(10)
  }
}

/** The pages of a batch in scan order, with the sheet number each PNG carries and the hash of its bytes. */
export async function batchPages (store: Store, batchId: string): Promise<Array<Page & { sheet: number, bytesSha: string }>> {
  const batch = await store.getBatch(batchId)
  const out: Array<Page & { sheet: number, bytesSha: string }> = []
  for (const recordId of batch?.recordIds ?? []) {
    const record = await store.getRecord(recordId)
    for (const page of await store.getPages(record?.pageIds ?? [])) {
      const bytes = await store.files.read(page.sha256)
      const provenance = readProvenance(bytes)
      out.push({ ...page, sheet: provenance?.batchId === batchId ? provenance.n : -1, bytesSha: createHash('sha256').update(bytes).digest('hex') })
    }
  }
  return out
}

/** Starts a scan through the API; returns the batch id (fails the test on anything but 202). */
export async function startScan (t: Test, h: Harness, body: Record<string, unknown>, device = 'test:0'): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: `/api/v1/scanners/${h.id(device)}/scan`, payload: { unit: UNIT, ...body } })
  t.equal(res.statusCode, 202, `scan started: ${res.body}`)
  return (res.json() as { batchId: string }).batchId
}

/** Options that make the test backend slow: a pause of `ms` before each 64 KiB (and a bigger page). */
export function slowOptions (ms = 100): Record<string, unknown> {
  return { 'read-delay': true, 'read-delay-duration': ms * 1000 }
}
