import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { AppError } from '../errors/index.js'

// N=2^15, r=8: ~32 MiB and ~60 ms per hash here: slow for a guesser, fine for a login.
const PARAMS = { N: 1 << 15, r: 8, p: 1 }
const KEYLEN = 32

/**
 * At most this many scrypt hashes run at once (each holds a thread-pool thread and 32 MiB for ~60 ms), and at most
 * PASSWORD_QUEUE wait; past that a check is refused at once (RATE_LIMITED), so a flood of sign-ins (HTTP or FTP)
 * neither starves the file store's fsyncs of the thread pool nor queues memory without bound.
 */
export const PASSWORD_CHECKS_AT_ONCE = 2
export const PASSWORD_QUEUE = 16

let running = 0
let peak = 0
const waiting: Array<() => void> = []

/** How many hashes ran at once at most since the start (for tests and metrics). */
export function passwordChecksPeak (): number { return peak }

async function bounded<T> (work: () => Promise<T>): Promise<T> {
  if (running >= PASSWORD_CHECKS_AT_ONCE) {
    if (waiting.length >= PASSWORD_QUEUE) throw new AppError('RATE_LIMITED', { retryAfterSeconds: 1 })
    await new Promise<void>(resolve => waiting.push(resolve))
  }
  running++
  peak = Math.max(peak, running)
  try {
    return await work()
  } finally {
    running--
    waiting.shift()?.()
  }
}

function scrypt (password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return bounded(async () => await scryptNow(password, salt, keylen, opts))
}

function scryptNow (password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFC'), salt, keylen, { ...opts, maxmem: 128 * opts.N! * opts.r! * 2 }, (err, key) => err ? reject(err) : resolve(key))
  })
}

export async function hashPassword (password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, KEYLEN, PARAMS)
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$')
  if (kind !== 'scrypt' || !salt || !key) return false
  const expected = Buffer.from(key, 'base64url')
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** A password for the first admin when none is configured: 20 characters from an unambiguous alphabet. */
export function generatePassword (): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  return Array.from(randomBytes(20), b => alphabet[b % alphabet.length]).join('')
}
