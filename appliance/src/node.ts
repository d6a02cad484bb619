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
import { Intake } from './intake/index.js'
import type { Logger } from './log/index.js'
import { Metrics } from './metrics/index.js'
import { closeImaging } from './imaging/index.js'
import { createOcrPool, type OcrPool } from './ocr/index.js'
import { Pipeline } from './pipeline/index.js'
import { createSteps, indexRecord } from './pipeline/steps.js'
import { startPush } from './push/index.js'
import { PACKAGE_ROOT } from './paths.js'
import { Records } from './records/index.js'
import { ScannerService } from './scanner/index.js'
import { createSearchService } from './search/index.js'
import { Store } from './store/index.js'
import { Units } from './units/index.js'

export const VERSION: string = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version

export interface NodeHandle {
  services: Services
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
    const units = new Units(store)
    const seeded = await units.seed()
    if (seeded > 0) log.info({ units: seeded }, 'unit catalogue seeded')
    const auth = new Auth(store, { sessionIdleMinutes: config.sessionIdleMinutes })
    const admin = await auth.ensureAdmin(config.adminPassword)
    const records = new Records(store)
    const search = createSearchService(store.searchIndex)

    let pipeline: Pipeline | undefined
    let metrics: Metrics | undefined
    let ocr: OcrPool | undefined
    if (mode === 'server') {
      metrics = new Metrics({ stageCounts: () => pipeline!.counts, queueDepth: () => pipeline!.depth })
      ocr = await createOcrPool({ workers: config.ocrWorkers, cacheDir: join(config.dataDir, 'cache', 'tesseract') })
      cleanup.push(async () => await ocr!.close())
      cleanup.push(async () => await closeImaging())
      const steps = await createSteps({ store, records, search, ocr, ocrConcurrency: config.ocrWorkers, maxPixels: config.maxPixels, metrics })
      pipeline = new Pipeline({ store, steps, log: log.child({ module: 'pipeline' }), maxAttempts: config.jobMaxAttempts })
    }
    const intake = new Intake({ store, maxPixels: config.maxPixels, log: log.child({ module: 'intake' }), onAccepted: (r) => { void pipeline?.enqueue(r.pages.map(p => p.id)) } })
    const scanners = mode === 'server'
      ? new ScannerService({ hosts: config.sanedHosts, timeoutMs: config.sanedTimeoutMs, store, intake, pipeline, log: log.child({ module: 'scanner' }) })
      : undefined
    const services: Services = {
      version: VERSION, config, store, auth, units, intake, records, search, pipeline, metrics, scanners,
      reindex: async () => {
        await search.clear()
        let n = 0
        for await (const record of store.listRecords()) { await indexRecord({ store, records, search }, record.id); n++ }
        return { records: n }
      }
    }

    const api = await buildApi({ services, log, local: mode === 'offline' })
    cleanup.push(async () => await api.close())
    const handle: NodeHandle = { services, api, generatedAdminPassword: admin.generatedPassword, stop }
    if (mode === 'offline') return handle

    await pipeline!.start()
    // Loads the postings of common words so the first searches do not wait on LevelDB; not needed to serve.
    void search.warmUp().catch(err => log.warn({ err }, 'search warm-up failed'))
    cleanup.push(async () => await pipeline!.stop())
    const push = await startPush({ config, intake, log: log.child({ module: 'push' }) })
    cleanup.push(async () => await push.stop())
    handle.address = await api.listen({ host: config.host, port: config.port })
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
