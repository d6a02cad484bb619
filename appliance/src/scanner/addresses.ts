/**
 * Where a scanner lives: the configured saned hosts (`host[:port]`, `[v6]:port`) and the scanner ids the API
 * uses. An id is the base64url of `host:port/device`, so it is stable, URL-safe and names its saned without a
 * look-up (a request for one scanner never waits on every host); only configured hosts are accepted back, so
 * an id cannot make the appliance connect anywhere else.
 */
import { AppError } from '../errors/index.js'
import { DEFAULT_SANED_PORT } from './sane/index.js'

export interface SanedAddress {
  /** Host name or address as given (IPv6 without brackets). */
  host: string
  port: number
  /** `host:port`, IPv6 in brackets: the form shown in the API and encoded in ids. */
  key: string
}

export interface ScannerAddress {
  saned: SanedAddress
  /** The SANE device name on that saned ("test:0", "fujitsu:fi-7160:1234"). */
  device: string
}

export function parseSanedHost (spec: string): SanedAddress {
  const text = spec.trim()
  const match = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(text) ?? /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text)
  const port = match?.[2] === undefined ? DEFAULT_SANED_PORT : Number(match[2])
  if (match === null || port < 1 || port > 65535) throw new AppError('CONFIG_INVALID', { sanedHost: spec })
  const host = match[1]
  return { host, port, key: `${host.includes(':') ? `[${host}]` : host}:${port}` }
}

export function scannerId (saned: SanedAddress, device: string): string {
  return Buffer.from(`${saned.key}/${device}`, 'utf8').toString('base64url')
}

/** The address an id names, if its saned is one of `hosts`; SANE_UNKNOWN_DEVICE otherwise. */
export function resolveScannerId (id: string, hosts: readonly SanedAddress[]): ScannerAddress {
  const text = /^[A-Za-z0-9_-]{1,700}$/.test(id) ? Buffer.from(id, 'base64url').toString('utf8') : ''
  const slash = text.indexOf('/')
  const saned = slash > 0 ? hosts.find(h => h.key === text.slice(0, slash)) : undefined
  const device = text.slice(slash + 1)
  // Re-encoding must give the same id: no second spelling of one scanner.
  if (saned === undefined || device === '' || scannerId(saned, device) !== id) {
    throw new AppError('SANE_UNKNOWN_DEVICE', { scannerId: id })
  }
  return { saned, device }
}
