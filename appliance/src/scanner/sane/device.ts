/**
 * One open scanner on a saned: options by name, parameters, and scanning a page (all its frames) into an
 * image. Option indexes, descriptor reloads and the START / data / CANCEL sequence stay in here.
 */
import { AppError } from '../../errors/index.js'
import type { SaneParameters } from './codec.js'
import type { SaneConnection } from './connection.js'
import { Action, Info, ValueType } from './constants.js'
import { invalidError, protocolError, statusError } from './errors.js'
import { assembleImage, type RawFrame, type ScannedImage } from './image.js'
import {
  decodeValue, describeOption, encodeValue, valueSize,
  type OptionDescriptor, type OptionValue, type WireValue
} from './options.js'
import { DataStream, type TransferProgress } from './transfer.js'

export interface ScanOptions {
  /** Called after each data record with the bytes read so far in the current frame. */
  onProgress?: (progress: TransferProgress) => void
  /** Aborting sends CANCEL; the scan then fails with SANE_CANCELLED. */
  signal?: AbortSignal
}

export interface PageOptions extends ScanOptions {
  /**
   * No more pages are wanted: send CANCEL after this one. SANE requires CANCEL once the last image is in;
   * without it a feeder keeps its batch open, and single-image sources (pnm) answer the next START with EOF.
   */
  endBatch?: boolean
}

export interface BatchOptions extends ScanOptions {
  /** Stop after this many pages even if the feeder has more. */
  maxPages?: number
}

export interface SetOptionResult {
  /** The value in effect afterwards, as the backend wrote it back (null for buttons). */
  value: OptionValue | null
  /** The backend rounded or otherwise changed the value (SANE_INFO_INEXACT). */
  inexact: boolean
  /** Other options changed; the descriptors were fetched again (SANE_INFO_RELOAD_OPTIONS). */
  reloadedOptions: boolean
  /** The scan parameters changed (SANE_INFO_RELOAD_PARAMS): read `parameters()` again. */
  reloadParams: boolean
}

export interface OptionState extends OptionDescriptor {
  /** The current value; undefined when the option cannot be read (group, button, inactive, not readable). */
  value?: OptionValue
}

/** Three-pass scanners send three frames; anything beyond that is a broken backend. */
const MAX_FRAMES = 3

export class SaneDevice {
  private descriptorList: OptionDescriptor[] = []
  private byName = new Map<string, OptionDescriptor>()
  private scanTail: Promise<unknown> = Promise.resolve()
  private cancelRequested = false
  /** A page was scanned and no CANCEL has been sent since: the backend is still in its batch. */
  private batchOpen = false
  private closed = false

  /** @internal use SaneClient.open */
  constructor (private readonly conn: SaneConnection, readonly name: string, private readonly handle: number) {}

  /** @internal */
  async init (): Promise<void> {
    await this.reloadOptions()
  }

  /** The descriptors as last fetched (they change when an option answers RELOAD_OPTIONS). */
  descriptors (): OptionDescriptor[] {
    return this.descriptorList
  }

  /** The descriptor of a named option; SANE_UNSUPPORTED when this scanner has no such option. */
  descriptor (name: string): OptionDescriptor {
    const desc = this.byName.get(name)
    if (desc === undefined) throw new AppError('SANE_UNSUPPORTED', { reason: 'unknown-option', option: name, device: this.name })
    return desc
  }

  hasOption (name: string): boolean {
    return this.byName.has(name)
  }

  async reloadOptions (): Promise<OptionDescriptor[]> {
    this.assertOpen()
    const wire = await this.conn.getOptionDescriptors(this.handle)
    this.descriptorList = wire.map((d, i) => describeOption(i, d))
    this.byName = new Map()
    for (const d of this.descriptorList) {
      if (d.name !== '' && d.type !== 'group' && !this.byName.has(d.name)) this.byName.set(d.name, d)
    }
    return this.descriptorList
  }

  /** Every descriptor with the current value of each readable option. */
  async options (): Promise<OptionState[]> {
    const out: OptionState[] = []
    for (const desc of this.descriptorList) {
      out.push(desc.readable && desc.index > 0 ? { ...desc, value: await this.read(desc) } : { ...desc })
    }
    return out
  }

  async getOption (name: string): Promise<OptionValue> {
    const desc = this.descriptor(name)
    if (!desc.active) throw invalidError('inactive', { option: name })
    if (!desc.readable) throw invalidError('not-readable', { option: name })
    return await this.read(desc)
  }

  /** Sets an option; the value is checked against type, capabilities and constraint before it is sent. */
  async setOption (name: string, value?: OptionValue): Promise<SetOptionResult> {
    const desc = this.descriptor(name)
    const wire = encodeValue(desc, value)
    return await this.control(desc, Action.SET_VALUE, wire)
  }

  /** Lets the backend choose the value (only for options with the AUTOMATIC capability). */
  async setAuto (name: string): Promise<SetOptionResult> {
    const desc = this.descriptor(name)
    if (!desc.active) throw invalidError('inactive', { option: name })
    if (!desc.capabilities.automatic) throw invalidError('no-automatic-mode', { option: name })
    return await this.control(desc, Action.SET_AUTO, { none: true })
  }

  async parameters (): Promise<SaneParameters> {
    this.assertOpen()
    return await this.conn.getParameters(this.handle)
  }

  /**
   * Scans one page: START, then every frame (three for three-pass scanners), assembled into one image.
   * Throws SANE_NO_DOCS when the feeder is empty at START, SANE_JAMMED / SANE_COVER_OPEN / ... when the
   * scanner reports it. After a failure the device has been sent CANCEL and is ready for the next call.
   * After a page the batch stays open for the next one (feeders) until `cancel()`, `endBatch: true`, or a
   * setOption call ends it. Scans on one device run one after another.
   */
  async scanPage (options: PageOptions = {}): Promise<ScannedImage> {
    const run = this.scanTail.then(async () => await this.scanOnePage(options))
    this.scanTail = run.catch(() => {})
    return await run
  }

  /**
   * Scans until the feeder is empty (or `maxPages`), yielding each page. An empty feeder before the first
   * page is an error (SANE_NO_DOCS); after at least one page it ends the batch. CANCEL is sent at the end,
   * which is how SANE tells a feeder the batch is over. Pausing and retry policy belong to the caller.
   */
  async * scanBatch (options: BatchOptions = {}): AsyncGenerator<ScannedImage, number, undefined> {
    let pages = 0
    try {
      while (options.maxPages === undefined || pages < options.maxPages) {
        let page: ScannedImage
        try {
          page = await this.scanPage(options)
        } catch (err) {
          if (pages > 0 && err instanceof AppError && err.code === 'SANE_NO_DOCS') break
          throw err
        }
        pages++
        yield page
      }
      return pages
    } finally {
      await this.cancelQuietly()
    }
  }

  /** Sends CANCEL: stops a scan in progress (it fails with SANE_CANCELLED) or ends a feeder batch. */
  async cancel (): Promise<void> {
    this.assertOpen()
    this.cancelRequested = true
    this.batchOpen = false
    await this.conn.cancel(this.handle)
  }

  /** Closes the device on saned (CLOSE). The client stays connected. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (!this.conn.closed) await this.conn.close(this.handle)
  }

  private async scanOnePage (options: PageOptions): Promise<ScannedImage> {
    this.assertOpen()
    this.cancelRequested = false
    const onAbort = (): void => { this.cancel().catch(() => {}) }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (options.signal?.aborted === true) this.cancelRequested = true
      const dpi = await this.readDpi()
      const frames: RawFrame[] = []
      for (let frame = 0; ; frame++) {
        if (this.cancelRequested) throw new AppError('SANE_CANCELLED', { status: 'CANCELLED', stage: 'start' })
        frames.push(await this.scanFrame(frame, options))
        if (frames[frame].params.lastFrame) break
        if (frame + 1 === MAX_FRAMES) throw protocolError('too-many-frames', { frames: frame + 1 })
      }
      const image = assembleImage(frames, dpi)
      if (options.endBatch === true) await this.cancelQuietly()
      else this.batchOpen = true
      return image
    } catch (err) {
      // Leave the backend idle (a jam or a cancel leaves it mid-scan); harmless when it already is.
      await this.cancelQuietly()
      throw err
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  private async scanFrame (frame: number, options: ScanOptions): Promise<RawFrame> {
    // Only a hint (see frameParameters); a backend that cannot say before START is no reason to stop.
    const before = await this.conn.getParameters(this.handle).catch((err: unknown) => {
      if (err instanceof AppError && err.details?.status !== undefined) return null
      throw err
    })
    const { port, byteOrder } = await this.conn.start(this.handle)
    const { connectMs, dataMs, startMs } = this.conn.options.timeouts
    // Asked before the data connection exists, so saned answers it as soon as it starts streaming, which
    // is after the backend's first read: a scanner still feeding the sheet delays the answer.
    const after = this.conn.getParameters(this.handle, startMs)
    after.catch(() => {})
    // saned accepts the data connection only from the address the control connection came from.
    const stream = await DataStream.open(this.conn.remoteAddress, port, connectMs)
    let params: SaneParameters
    try {
      const exact = await after
      params = before === null ? exact : frameParameters(before, exact)
    } catch (err) {
      stream.close()
      throw err
    }
    const data = await stream.readFrame({
      params, frame, idleTimeoutMs: dataMs, onProgress: options.onProgress, cancelled: () => this.cancelRequested
    })
    return { params, data, byteOrder }
  }

  private async readDpi (): Promise<number | null> {
    for (const name of ['resolution', 'x-resolution']) {
      const desc = this.byName.get(name)
      if (desc === undefined || !desc.readable) continue
      const value = await this.read(desc)
      const dpi = Array.isArray(value) ? value[0] : value
      if (typeof dpi === 'number' && dpi > 0) return dpi
    }
    return null
  }

  private async read (desc: OptionDescriptor): Promise<OptionValue> {
    const zeros: WireValue = desc.type === 'string' ? { text: '' } : { words: new Array<number>(desc.length).fill(0) }
    const result = await this.control(desc, Action.GET_VALUE, zeros)
    return result.value as OptionValue
  }

  private async control (desc: OptionDescriptor, action: number, value: WireValue): Promise<SetOptionResult> {
    this.assertOpen()
    // New settings mean the batch is over; many backends refuse changes (or ignore them) mid-batch.
    if (action !== Action.GET_VALUE && this.batchOpen) await this.cancelQuietly()
    const reply = await this.conn.controlOption({
      handle: this.handle,
      option: desc.index,
      action,
      valueType: ValueType[desc.type.toUpperCase() as keyof typeof ValueType],
      valueSize: action === Action.SET_AUTO ? 0 : valueSize(desc, value),
      value
    })
    if (reply.status !== 0) throw statusError(reply.status, { rpc: 'CONTROL_OPTION', option: desc.name, action })
    const reloadedOptions = (reply.info & Info.RELOAD_OPTIONS) !== 0
    if (reloadedOptions) await this.reloadOptions()
    return {
      value: decodeValue(desc, reply.value),
      inexact: (reply.info & Info.INEXACT) !== 0,
      reloadedOptions,
      reloadParams: (reply.info & Info.RELOAD_PARAMS) !== 0
    }
  }

  private async cancelQuietly (): Promise<void> {
    this.batchOpen = false
    if (this.closed || this.conn.closed) return
    await this.conn.cancel(this.handle).catch(() => {})
  }

  private assertOpen (): void {
    if (this.closed) throw invalidError('device-closed', { device: this.name })
    if (this.conn.closed) throw new AppError('SANE_UNREACHABLE', { reason: 'connection-closed', device: this.name })
  }
}

/**
 * The parameters of the frame being sent. After START they are exact (backends fix the window then), but
 * saned answers GET_PARAMETERS while it streams, and a fast backend may already have finished the frame
 * and moved on to the next one (a three-pass backend then reports the next colour). A changed frame format
 * gives that away; the answer from before START then describes this frame.
 */
function frameParameters (before: SaneParameters, after: SaneParameters): SaneParameters {
  return after.format === before.format ? after : before
}
