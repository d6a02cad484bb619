/**
 * What a saned offers: its devices and, for each one not in use, its options with their current values.
 * A host that cannot be reached is an answer too (with the error), never an exception, so one dead saned
 * does not hide the scanners of the others.
 */
import { AppError } from '../errors/index.js'
import type { SanedAddress } from './addresses.js'
import type { DeviceInfo, OptionConstraint, OptionState, OptionValue, SaneClient } from './sane/index.js'

export interface ScannerOptionView {
  name: string
  title: string
  description: string
  /** The title of the group the option is listed under, if any. */
  group?: string
  type: string
  unit: string
  constraint: OptionConstraint
  /** Absent when the option cannot be read (inactive, button, write-only). */
  value?: OptionValue
  active: boolean
  settable: boolean
  advanced: boolean
}

export interface ErrorView {
  code: string
  message: string
  messageEn: string
  details?: Record<string, unknown>
}

export interface ProbedDevice {
  info: DeviceInfo
  /** Undefined when the device was not opened (in use by a batch, or options not asked for). */
  options?: OptionState[]
  /** Why the device could not be opened. */
  error?: AppError
}

export interface HostProbe {
  saned: SanedAddress
  error?: AppError
  devices: ProbedDevice[]
}

export type Connect = (saned: SanedAddress) => Promise<SaneClient>

/**
 * Lists the devices of one saned and reads the options of each device `wantOptions` approves (the caller
 * skips devices a batch is using: most backends allow one open at a time). `only` limits it to one device.
 */
export async function probeHost (saned: SanedAddress, connect: Connect, wantOptions: (device: string) => boolean, only?: string): Promise<HostProbe> {
  let client: SaneClient | undefined
  try {
    client = await connect(saned)
    const devices: ProbedDevice[] = []
    for (const info of await client.listDevices()) {
      if (only !== undefined && info.name !== only) continue
      if (!wantOptions(info.name)) { devices.push({ info }); continue }
      try {
        const device = await client.open(info.name)
        devices.push({ info, options: await device.options() })
        await device.close()
      } catch (err) {
        // A lost connection ends the whole host; anything else concerns this device only.
        if (client.closed) throw err
        devices.push({ info, error: asAppError(err) })
      }
    }
    return { saned, devices }
  } catch (err) {
    return { saned, error: asAppError(err), devices: [] }
  } finally {
    await client?.close()
  }
}

/** The options as the API shows them: groups folded into a `group` field, option 0 (the count) left out. */
export function optionViews (options: OptionState[]): ScannerOptionView[] {
  const views: ScannerOptionView[] = []
  let group: string | undefined
  for (const o of options) {
    if (o.type === 'group') { group = o.title === '' ? undefined : o.title; continue }
    if (o.index === 0 || o.name === '') continue
    views.push({
      name: o.name,
      title: o.title,
      description: o.description,
      ...(group !== undefined ? { group } : {}),
      type: o.type,
      unit: o.unit,
      constraint: o.constraint,
      ...(o.value !== undefined ? { value: o.value } : {}),
      active: o.active,
      settable: o.settable,
      advanced: o.capabilities.advanced
    })
  }
  return views
}

export function errorView (err: AppError): ErrorView {
  return { code: err.code, message: err.messageVi, messageEn: err.messageEn, ...(err.details !== undefined ? { details: err.details } : {}) }
}

export function asAppError (err: unknown): AppError {
  return err instanceof AppError ? err : new AppError('INTERNAL', undefined, err)
}
