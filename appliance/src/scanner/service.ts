/**
 * The scanners of the appliance: the devices of the configured saned hosts, a profile per scanner, and scan
 * batches (start, pause on a fault, resume into the same batch, cancel), one batch per scanner at a time.
 * A start is checked before it is answered (scanner reachable, settings accepted by the device), then runs in
 * the background; its progress goes to `events`. The settings a batch started with are kept beside it
 * (`scannerBatch:<batchId>` in the store's meta), so it resumes as it began, also after a restart.
 */
import type { Logger } from 'pino'
import { AppError } from '../errors/index.js'
import type { Intake } from '../intake/index.js'
import type { Pipeline } from '../pipeline/index.js'
import type { Batch, ScanBatchMeta, Store } from '../store/index.js'
import { parseSanedHost, resolveScannerId, scannerId, type SanedAddress, type ScannerAddress } from './addresses.js'
import { BatchRun, type BeforeSheetHook, type RunOutcome } from './batch-runner.js'
import { errorView, optionViews, probeHost, type ErrorView, type ProbedDevice, type ScannerOptionView } from './discovery.js'
import { BatchEvents } from './events.js'
import { applySettings, checkProfile, defaultProfile, isFeederSource, standardProblems, type ScanProfile, type ScanSettings } from './profiles.js'
import { SaneClient, type DeviceInfo, type OptionState, type OptionValue, type SaneAuth, type SaneDevice } from './sane/index.js'

export interface ScannerServiceOptions {
  /** `host[:port]` of each saned (config `sanedHosts`). */
  hosts: string[]
  /** Bound on every network step with saned (config `sanedTimeoutMs`). */
  timeoutMs: number
  /** Bound on START (sheet feeding, lamp warm-up). Default: the larger of `timeoutMs` and 30 s. */
  startTimeoutMs?: number
  store: Store
  intake: Pick<Intake, 'accept' | 'newBatch' | 'setBatchStatus'>
  /** Its page events become `page-recognized` / `page-failed` batch events. */
  pipeline?: Pipeline
  logger: Logger
  /** Credentials for saned.users-protected backends. */
  auth?: SaneAuth
  /** Runs before every sheet (tests inject scanner faults here). */
  beforeSheet?: BeforeSheetHook
}

export type ScannerState = 'ready' | 'busy' | 'unreachable'

export interface ScannerView {
  id: string
  /** The saned, `host:port`. */
  host: string
  /** The SANE device name on that saned. */
  device: string
  vendor: string
  model: string
  type: string
  state: ScannerState
  /** Why the scanner is unreachable (or busy elsewhere). */
  error?: ErrorView
  /** The batch running on it (state `busy`). */
  batchId?: string
  options?: ScannerOptionView[]
  /** The stored profile, or the defaults for this device; null when its options were never read. */
  profile: ScanProfile | null
  /** Where the profile falls short of the standard (colour, 24-bit, 200 dpi); empty when it meets it. */
  standardProblems: string[]
}

export interface SanedHostView {
  host: string
  state: 'reachable' | 'unreachable'
  error?: ErrorView
}

export interface ScannerList {
  hosts: SanedHostView[]
  scanners: ScannerView[]
}

export interface StartScanRequest extends ScanProfile {
  unit: string
  /** Further SANE options of the device, by name. */
  options?: Record<string, OptionValue>
}

interface Slot {
  batchId: string | null
  run?: BatchRun
  ended?: Promise<void>
}

interface Opened {
  client: SaneClient
  device: SaneDevice
  info: DeviceInfo
}

interface Known {
  saned: SanedAddress
  info: DeviceInfo
  options?: OptionState[]
}

export class ScannerService {
  readonly events = new BatchEvents()
  private readonly hosts: SanedAddress[]
  /** Scanner id → the batch starting or running on it. */
  private readonly slots = new Map<string, Slot>()
  /** What each scanner looked like when last reached, to show it while its saned is down or it is busy. */
  private readonly known = new Map<string, Known>()
  private stopping = false

  constructor (private readonly opts: ScannerServiceOptions) {
    this.hosts = opts.hosts.map(parseSanedHost)
    // Page events flow from the start, even before (or without) start(): the live view must not go quiet.
    if (opts.pipeline !== undefined) this.events.follow(opts.pipeline)
  }

  /** Marks batches a crash left `scanning` as paused (interrupted) and follows the pipeline's page events. */
  async start (): Promise<void> {
    this.stopping = false
    if (this.opts.pipeline !== undefined) this.events.follow(this.opts.pipeline)
    const stale: Batch[] = []
    for await (const batch of this.opts.store.listBatches()) {
      if (batch.source === 'scanner' && batch.status === 'scanning' && !this.isRunning(batch.id)) stale.push(batch)
    }
    for (const batch of stale) {
      await this.opts.intake.setBatchStatus(batch.id, 'paused', reasonOf(new AppError('SCAN_INTERRUPTED', { reason: 'restart' }), 0))
      this.opts.logger.warn({ batchId: batch.id }, 'scan batch interrupted by a restart: paused')
    }
  }

  /** Stops every running batch (they end paused, interrupted) and waits for their pages to be stored. */
  async stop (): Promise<void> {
    this.stopping = true
    for (const slot of this.slots.values()) slot.run?.interrupt()
    await Promise.allSettled([...this.slots.values()].map(async s => await s.ended))
    this.events.close()
  }

  /** Every device of every saned; `options: false` skips opening them (faster, no option values). */
  async list (opts: { options?: boolean } = {}): Promise<ScannerList> {
    const probes = await Promise.all(this.hosts.map(async saned => await probeHost(saned, this.connect, device => opts.options !== false && !this.busy(saned, device))))
    const hosts: SanedHostView[] = []
    const scanners: ScannerView[] = []
    for (const probe of probes) {
      if (probe.error !== undefined) {
        hosts.push({ host: probe.saned.key, state: 'unreachable', error: errorView(probe.error) })
        for (const [id, known] of this.known) {
          if (known.saned.key === probe.saned.key) scanners.push(await this.view(id, known, { error: probe.error }))
        }
        continue
      }
      hosts.push({ host: probe.saned.key, state: 'reachable' })
      for (const device of probe.devices) scanners.push(await this.view(...this.remember(probe.saned, device), { error: device.error }))
    }
    return { hosts, scanners }
  }

  /** One scanner, with its options (cached ones while a batch uses it). */
  async get (id: string): Promise<ScannerView> {
    const address = resolveScannerId(id, this.hosts)
    const probe = await probeHost(address.saned, this.connect, device => !this.busy(address.saned, device), address.device)
    if (probe.error !== undefined) {
      const known = this.known.get(id)
      if (known === undefined) throw probe.error
      return await this.view(id, known, { error: probe.error })
    }
    const device = probe.devices[0]
    if (device === undefined) throw new AppError('SANE_UNKNOWN_DEVICE', { scannerId: id, device: address.device })
    return await this.view(...this.remember(address.saned, device), { error: device.error })
  }

  /** Replaces a scanner's profile after checking it against the device's options; fields left out take defaults. */
  async setProfile (id: string, input: ScanProfile): Promise<ScannerView> {
    const scanner = await this.get(id)
    const options = this.known.get(id)?.options
    if (options === undefined) {
      throw new AppError(scanner.state === 'busy' ? 'SANE_DEVICE_BUSY' : 'SANE_UNREACHABLE', { scannerId: id, reason: 'options-unknown', ...(scanner.error !== undefined ? { after: scanner.error.code } : {}) })
    }
    const profile = checkProfile(options, input)
    await this.opts.store.tx().putScanProfile(id, profile).commit()
    return { ...scanner, profile, standardProblems: standardProblems(profile) }
  }

  /** Starts a batch on a scanner; answers once the device took the settings, then scans in the background. */
  async startBatch (id: string, req: StartScanRequest): Promise<{ batchId: string }> {
    const address = resolveScannerId(id, this.hosts)
    if (!(await this.opts.store.getUnit(req.unit))) throw new AppError('UNKNOWN_UNIT', { unit: req.unit })
    return await this.withSlot(id, null, async slot => {
      const { unit, options, ...overrides } = req
      const opened = await this.open(address)
      let feeder: boolean
      let settings: ScanSettings
      let batch: Batch
      try {
        const profile = (await this.opts.store.getScanProfile(id)) ?? defaultProfile(opened.device.descriptors())
        settings = { ...profile, ...definedOnly(overrides), ...(options !== undefined ? { options } : {}) }
        feeder = await prepare(opened, settings)
        batch = await this.opts.intake.newBatch(unit, 'scanner', 'scanning')
        const meta: ScanBatchMeta = { scannerId: id, settings }
        await this.opts.store.tx().putScanBatch(batch.id, meta).commit()
      } catch (err) {
        await opened.client.close()
        throw err
      }
      slot.batchId = batch.id
      this.opts.logger.info({ batchId: batch.id, scannerId: id, feeder }, 'scan batch started')
      this.launch(id, slot, opened, { unit, feeder, pagesBefore: 0 })
      return { batchId: batch.id }
    })
  }

  /** Continues a paused batch on its scanner with the settings it started with. */
  async resume (batchId: string): Promise<{ batchId: string }> {
    return await this.opts.store.lockScan(batchId, async () => {
      const { batch, meta } = await this.scanBatch(batchId)
      if (batch.status !== 'paused') throw new AppError('BATCH_STATE', { batchId, status: batch.status, wanted: 'paused' })
      const address = resolveScannerId(meta.scannerId, this.hosts)
      return await this.withSlot(meta.scannerId, batchId, async slot => {
        const opened = await this.open(address)
        let feeder: boolean
        try {
          feeder = await prepare(opened, meta.settings)
          await this.opts.intake.setBatchStatus(batchId, 'scanning')
        } catch (err) {
          await opened.client.close()
          throw err
        }
        this.events.emit(batchId, { type: 'resumed' })
        this.opts.logger.info({ batchId, scannerId: meta.scannerId, pages: batch.pageCount, feeder }, 'scan batch resumed')
        this.launch(meta.scannerId, slot, opened, { unit: batch.unit, feeder, pagesBefore: batch.pageCount })
        return { batchId }
      })
    })
  }

  /** Stops a batch for good (pages kept): a running scan stops after the sheet in progress. */
  async cancel (batchId: string): Promise<Batch> {
    return await this.opts.store.lockScan(batchId, async () => {
      await this.scanBatch(batchId)
      const slot = [...this.slots.values()].find(s => s.batchId === batchId)
      if (slot?.run !== undefined) {
        slot.run.cancel()
        await slot.ended
      }
      // Read again: the run may have ended by itself (paused, finished) just before it heard the cancel.
      const batch = (await this.opts.store.getBatch(batchId)) as Batch
      if (batch.status === 'cancelled' || (batch.status === 'finished' && slot !== undefined)) return batch
      if (batch.status === 'finished') throw new AppError('BATCH_STATE', { batchId, status: batch.status, wanted: 'paused or scanning' })
      const next = await this.opts.intake.setBatchStatus(batchId, 'cancelled')
      this.events.emit(batchId, { type: 'cancelled', pages: next.pageCount })
      this.opts.logger.info({ batchId, pages: next.pageCount }, 'scan batch cancelled')
      return next
    })
  }

  /** The batch running on a scanner, if any. */
  runningBatch (id: string): string | undefined {
    return this.slots.get(id)?.batchId ?? undefined
  }

  private readonly connect = async (saned: SanedAddress): Promise<SaneClient> => {
    const t = this.opts.timeoutMs
    const startMs = this.opts.startTimeoutMs ?? Math.max(t, 30_000)
    return await SaneClient.connect({
      host: saned.host, port: saned.port, auth: this.opts.auth,
      timeouts: { connectMs: t, rpcMs: t, dataMs: t, startMs }
    })
  }

  /** Reserves the scanner for one batch while `fn` prepares it; a second start gets SCANNER_BUSY at once. */
  private async withSlot<T> (id: string, batchId: string | null, fn: (slot: Slot) => Promise<T>): Promise<T> {
    if (this.stopping) throw new AppError('SHUTTING_DOWN')
    const current = this.slots.get(id)
    if (current !== undefined) throw new AppError('SCANNER_BUSY', { scannerId: id, ...(current.batchId !== null ? { batchId: current.batchId } : {}) })
    const slot: Slot = { batchId }
    this.slots.set(id, slot)
    try {
      return await fn(slot)
    } catch (err) {
      if (slot.run === undefined) this.slots.delete(id)
      throw err
    }
  }

  private async open (address: ScannerAddress): Promise<Opened> {
    const client = await this.connect(address.saned)
    try {
      const info = (await client.listDevices()).find(d => d.name === address.device)
      if (info === undefined) throw new AppError('SANE_UNKNOWN_DEVICE', { device: address.device, host: address.saned.key })
      const device = await client.open(address.device)
      // While the batch holds the device, listings show these descriptors (values as last read, if ever).
      this.remember(address.saned, { info, options: this.known.get(scannerId(address.saned, info.name))?.options ?? device.descriptors() })
      return { client, device, info }
    } catch (err) {
      await client.close()
      throw err
    }
  }

  private launch (id: string, slot: Slot, opened: Opened, plan: { unit: string, feeder: boolean, pagesBefore: number }): void {
    const batchId = slot.batchId as string
    const { info } = opened
    const run = new BatchRun(opened.client, opened.device, { ...plan, batchId, source: `${info.vendor} ${info.model} (${info.name})` },
      { intake: this.opts.intake, events: this.events, logger: this.opts.logger, beforeSheet: this.opts.beforeSheet })
    slot.run = run
    // A start that was being prepared when stop() came: it ends at once, paused like the others.
    if (this.stopping) run.interrupt()
    slot.ended = run.done
      .then(async outcome => await this.record(id, batchId, outcome))
      .catch(err => { this.opts.logger.error({ err, batchId }, 'could not record the end of a scan') })
      .finally(() => { if (this.slots.get(id) === slot) this.slots.delete(id) })
  }

  /** Stores how a run ended, frees the scanner, then tells the listeners (who may resume at once). */
  private async record (id: string, batchId: string, outcome: RunOutcome): Promise<void> {
    const { logger, intake } = this.opts
    if (outcome.status === 'paused') {
      const reason = reasonOf(outcome.error, outcome.lost)
      await intake.setBatchStatus(batchId, 'paused', reason)
      this.slots.delete(id)
      logger.warn({ batchId, code: outcome.error.code, details: outcome.error.details, pages: outcome.pages, lost: outcome.lost }, 'scan batch paused')
      this.events.emit(batchId, { type: 'paused', code: outcome.error.code, reason, pages: outcome.pages })
      return
    }
    await intake.setBatchStatus(batchId, outcome.status)
    this.slots.delete(id)
    logger.info({ batchId, pages: outcome.pages }, `scan batch ${outcome.status}`)
    this.events.emit(batchId, { type: outcome.status, pages: outcome.pages })
  }

  private async scanBatch (batchId: string): Promise<{ batch: Batch, meta: ScanBatchMeta }> {
    const batch = await this.opts.store.getBatch(batchId)
    if (batch === undefined) throw new AppError('BATCH_NOT_FOUND', { batchId })
    const meta = await this.opts.store.getScanBatch(batchId)
    if (batch.source !== 'scanner' || meta === undefined) throw new AppError('BATCH_STATE', { batchId, reason: 'not-a-scan-batch' })
    return { batch, meta }
  }

  private isRunning (batchId: string): boolean {
    return [...this.slots.values()].some(s => s.batchId === batchId)
  }

  private busy (saned: SanedAddress, device: string): boolean {
    return this.slots.has(scannerId(saned, device))
  }

  private remember (saned: SanedAddress, device: ProbedDevice): [string, Known] {
    const id = scannerId(saned, device.info.name)
    const known: Known = { saned, info: device.info, options: device.options ?? this.known.get(id)?.options }
    this.known.set(id, known)
    return [id, known]
  }

  private async view (id: string, known: Known, seen: { error?: AppError }): Promise<ScannerView> {
    const stored = await this.opts.store.getScanProfile(id)
    const profile = stored ?? (known.options !== undefined ? defaultProfile(known.options) : null)
    const batchId = this.runningBatch(id)
    const error = seen.error
    let state: ScannerState = 'ready'
    if (batchId !== undefined || error?.code === 'SANE_DEVICE_BUSY') state = 'busy'
    else if (error !== undefined) state = 'unreachable'
    return {
      id,
      host: known.saned.key,
      device: known.info.name,
      vendor: known.info.vendor,
      model: known.info.model,
      type: known.info.type,
      state,
      ...(error !== undefined ? { error: errorView(error) } : {}),
      ...(batchId !== undefined ? { batchId } : {}),
      ...(known.options !== undefined ? { options: optionViews(known.options) } : {}),
      profile,
      standardProblems: profile === null ? [] : standardProblems(profile)
    }
  }
}

/** `CODE: tiếng Việt / English`, as the pipeline writes failure reasons; sheets lost on the way are named. */
export function reasonOf (error: AppError, lost: number): string {
  const base = `${error.code}: ${error.messageVi} / ${error.messageEn}`
  return lost > 0 ? `${base} (${lost} tờ đã quét chưa được lưu, hãy quét lại / ${lost} scanned sheet(s) not stored, scan them again)` : base
}

/** Sets the batch's settings; answers whether the source in effect is a feeder. */
async function prepare (opened: Opened, settings: ScanSettings): Promise<boolean> {
  const { device, info } = opened
  await applySettings(device, settings)
  const source = device.hasOption('source') && device.descriptor('source').readable ? String(await device.getOption('source')) : undefined
  return isFeederSource(source, info.type)
}

function definedOnly<T extends object> (value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
