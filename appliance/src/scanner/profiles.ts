/**
 * Per-scanner profiles: the settings a batch starts from (source, duplex, resolution, mode, depth), their
 * defaults, their checks against the device's constraints, and applying settings to an open device.
 *
 * Defaults follow the scan rules of the standard (domain/standards.md §1: colour, at least 24-bit, at least
 * 200 dpi): the device's colour mode, 8 bits per channel, and 300 dpi when the device offers it, else the
 * offered resolution nearest to 300 that is still 200 or more. 300 rather than 200 because OCR (Tesseract)
 * reads Vietnamese diacritics reliably from 300 dpi up, the imaging step prepares OCR input at 300 dpi anyway,
 * and the standard itself asks 300 for maps and drawings. Feeders are preferred (simplex): batches are what
 * the appliance is for.
 */
import { AppError } from '../errors/index.js'
import type { ScanProfile, ScanSettings } from '../store/index.js'
import type { OptionDescriptor, OptionValue, SaneDevice } from './sane/index.js'

/** Kept by the store per scanner (a profile) and per scanner batch (its settings); the shapes live there. */
export type { ScanProfile, ScanSettings }

export const PROFILE_FIELDS = ['source', 'duplex', 'resolution', 'mode', 'depth'] as const

const PREFERRED_DPI = 300
const MIN_DPI = 200

export function defaultProfile (descriptors: OptionDescriptor[]): ScanProfile {
  const by = index(descriptors)
  const profile: ScanProfile = {}
  const source = by.get('source')
  if (source?.constraint.type === 'stringList') {
    const values = source.constraint.values
    profile.source = values.find(v => isFeederSource(v) && !/duplex/i.test(v)) ?? values.find(v => isFeederSource(v)) ?? values[0]
  }
  if (duplexOption(by) !== undefined) profile.duplex = false
  const mode = by.get('mode')
  if (mode?.constraint.type === 'stringList') {
    const values = mode.constraint.values
    profile.mode = values.find(v => /^colou?r$/i.test(v)) ?? values.find(v => /colou?r/i.test(v) && /24/.test(v)) ??
      values.find(v => /colou?r/i.test(v) && !/(line ?art|halftone|gr[ae]y)/i.test(v)) ?? values[values.length - 1]
  }
  const depth = by.get('depth')
  if (depth !== undefined) {
    const allowed = numbersOf(depth)
    profile.depth = allowed === null || allowed.includes(8) ? 8 : Math.max(...allowed)
  }
  const resolution = by.get('resolution')
  if (resolution !== undefined) profile.resolution = defaultResolution(resolution)
  return profile
}

/**
 * Checks a profile against the device's options and returns it with canonical values (string case as the
 * device spells it). Fields the device has no option for are refused; fields left out take the defaults.
 */
export function checkProfile (descriptors: OptionDescriptor[], input: ScanProfile): ScanProfile {
  const by = index(descriptors)
  const profile = defaultProfile(descriptors)
  for (const field of PROFILE_FIELDS) {
    const value = input[field]
    if (value === undefined) continue
    if (field === 'duplex') {
      if (duplexOption(by) === undefined) throw invalid('duplex', value, 'no-duplex-option')
      profile.duplex = value as boolean
      continue
    }
    const desc = by.get(field)
    if (desc === undefined) throw invalid(field, value, 'unknown-option')
    if (typeof value === 'string') (profile as Record<string, unknown>)[field] = checkString(desc, value)
    else (profile as Record<string, unknown>)[field] = checkNumber(desc, value as number)
  }
  return profile
}

/** Where a profile falls short of the standard (empty when it meets it). */
export function standardProblems (profile: ScanProfile): string[] {
  const problems: string[] = []
  if (profile.mode !== undefined && !/colou?r/i.test(profile.mode)) problems.push('not-colour')
  if (profile.depth !== undefined && profile.depth < 8) problems.push('below-24-bit')
  if (profile.resolution !== undefined && profile.resolution < MIN_DPI) problems.push('below-200-dpi')
  return problems
}

/** A feeder source: a batch runs until it is empty. Anything else (flatbed) scans one page per batch. */
export function isFeederSource (source: string | undefined, deviceType = ''): boolean {
  if (source === undefined) return /sheet ?fed|feeder|adf/i.test(deviceType)
  return /feeder|adf|automatic|duplex|sheet/i.test(source)
}

/**
 * Sets the batch's settings on an open device, in an order that suits backends whose option lists depend on
 * others (a mode change may reload the depth list). Profile fields the device cannot take right now
 * (inactive) are skipped; the request's own `options` must all apply, or the error says which one failed.
 */
export async function applySettings (device: SaneDevice, settings: ScanSettings): Promise<void> {
  const setIfSettable = async (name: string, value: OptionValue | undefined): Promise<void> => {
    if (value === undefined || !device.hasOption(name) || !device.descriptor(name).settable) return
    await device.setOption(name, value)
  }
  await setIfSettable('source', settings.source)
  await setIfSettable('mode', settings.mode)
  await setIfSettable('depth', settings.depth)
  await setIfSettable('resolution', settings.resolution)
  if (settings.duplex !== undefined) {
    if (device.hasOption('duplex')) await setIfSettable('duplex', settings.duplex)
    else if (device.hasOption('adf-mode')) {
      const desc = device.descriptor('adf-mode')
      const values = desc.constraint.type === 'stringList' ? desc.constraint.values : []
      await setIfSettable('adf-mode', values.find(v => (settings.duplex === true) === /duplex/i.test(v)))
    }
  }
  for (const [name, value] of Object.entries(settings.options ?? {})) await device.setOption(name, value)
}

function defaultResolution (desc: OptionDescriptor): number | undefined {
  const c = desc.constraint
  if (c.type === 'range') {
    const step = c.quant > 0 ? c.quant : 1
    const onStep = (v: number): number => Math.min(c.max, c.min + Math.round((v - c.min) / step) * step)
    let pick = onStep(Math.min(Math.max(PREFERRED_DPI, c.min), c.max))
    if (pick < MIN_DPI && c.max >= MIN_DPI) pick = onStep(c.min + Math.ceil((MIN_DPI - c.min) / step) * step)
    return pick
  }
  if (c.type === 'wordList' && c.values.length > 0) {
    const enough = c.values.filter(v => v >= MIN_DPI)
    if (enough.length === 0) return Math.max(...c.values)
    // Nearest to 300; on a tie the higher one, which OCR prefers.
    return enough.reduce((best, v) => {
      const d = Math.abs(v - PREFERRED_DPI) - Math.abs(best - PREFERRED_DPI)
      return d < 0 || (d === 0 && v > best) ? v : best
    })
  }
  return PREFERRED_DPI
}

function duplexOption (by: Map<string, OptionDescriptor>): OptionDescriptor | undefined {
  const bool = by.get('duplex')
  if (bool?.type === 'bool') return bool
  const adfMode = by.get('adf-mode')
  if (adfMode?.constraint.type === 'stringList' && adfMode.constraint.values.some(v => /duplex/i.test(v))) return adfMode
  return undefined
}

function index (descriptors: OptionDescriptor[]): Map<string, OptionDescriptor> {
  const by = new Map<string, OptionDescriptor>()
  for (const d of descriptors) if (d.name !== '' && d.type !== 'group' && !by.has(d.name)) by.set(d.name, d)
  return by
}

function numbersOf (desc: OptionDescriptor): number[] | null {
  return desc.constraint.type === 'wordList' ? desc.constraint.values : null
}

function checkString (desc: OptionDescriptor, value: string): string {
  if (desc.type !== 'string') throw invalid(desc.name, value, 'not-a-string-option')
  const c = desc.constraint
  if (c.type !== 'stringList') return value
  if (c.values.includes(value)) return value
  // A different letter case is fine when it names exactly one entry ("color" -> "Color"), as sanei does.
  const matches = c.values.filter(v => v.toLowerCase() === value.toLowerCase())
  if (matches.length === 1) return matches[0]
  throw invalid(desc.name, value, 'not-in-list', { allowed: c.values })
}

function checkNumber (desc: OptionDescriptor, value: number): number {
  if ((desc.type !== 'int' && desc.type !== 'fixed') || typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(desc.name, value, 'not-a-number-option')
  }
  if (desc.type === 'int' && !Number.isInteger(value)) throw invalid(desc.name, value, 'not-an-integer')
  const c = desc.constraint
  if (c.type === 'range') {
    if (value < c.min || value > c.max) throw invalid(desc.name, value, 'out-of-range', { min: c.min, max: c.max })
    const steps = c.quant > 0 ? (value - c.min) / c.quant : 0
    if (Math.abs(steps - Math.round(steps)) > 1e-6) throw invalid(desc.name, value, 'off-step', { min: c.min, quant: c.quant })
  } else if (c.type === 'wordList' && !c.values.includes(value)) {
    throw invalid(desc.name, value, 'not-in-list', { allowed: c.values })
  }
  return value
}

function invalid (option: string, value: unknown, reason: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError('SANE_INVALID', { option, value, reason, ...extra })
}
