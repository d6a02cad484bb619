/**
 * Slows password guessing: failed logins are counted per address and user name, and per address alone, over a
 * sliding window. Past the limit that address is refused (429) until its oldest failure leaves the window.
 * Only failures count, so a busy office behind one NAT address signing in correctly is never blocked, and
 * a stranger cannot lock the admin out from another address. In memory: a restart forgives, which is fine for
 * a guard whose job is to make guessing slow, not to keep a record (logins are logged).
 */
import { AppError } from '../errors/index.js'

export interface ThrottleLimits {
  /** Failures allowed per address and user name in the window. */
  perUser: number
  /** Failures allowed per address, over all user names. */
  perAddress: number
  windowMs: number
}

export const DEFAULT_THROTTLE: ThrottleLimits = { perUser: 10, perAddress: 50, windowMs: 15 * 60_000 }

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>()

  constructor (private readonly limits: ThrottleLimits = DEFAULT_THROTTLE, private readonly now: () => number = Date.now) {}

  /** Throws RATE_LIMITED when this address may not try (this user name) now. */
  check (address: string, username: string): void {
    const wait = Math.max(this.waitMs(`a ${address}`, this.limits.perAddress), this.waitMs(`u ${address} ${username}`, this.limits.perUser))
    if (wait > 0) throw new AppError('RATE_LIMITED', { retryAfterSeconds: Math.ceil(wait / 1000) })
  }

  /**
   * Checks and counts one try *before* its password is hashed: each try counts as a failure until it succeeds, so
   * a burst of parallel guesses cannot all pass the check while the first ones are still hashing. Synchronous on
   * purpose (no await between the check and the count).
   */
  admit (address: string, username: string): void {
    this.check(address, username)
    this.failed(address, username)
  }

  failed (address: string, username: string): void {
    for (const key of [`a ${address}`, `u ${address} ${username}`]) {
      const list = this.recent(key)
      list.push(this.now())
      this.failures.set(key, list)
    }
    if (this.failures.size > 100_000) this.prune()
  }

  /** A correct password clears that user name's failures from that address, and withdraws its own admitted try. */
  succeeded (address: string, username: string): void {
    this.failures.delete(`u ${address} ${username}`)
    const list = this.recent(`a ${address}`)
    list.pop()
    this.failures.set(`a ${address}`, list)
  }

  private waitMs (key: string, limit: number): number {
    const list = this.recent(key)
    if (list.length < limit) return 0
    return list[list.length - limit] + this.limits.windowMs - this.now()
  }

  private recent (key: string): number[] {
    const since = this.now() - this.limits.windowMs
    return (this.failures.get(key) ?? []).filter(t => t > since)
  }

  private prune (): void {
    for (const key of this.failures.keys()) {
      const list = this.recent(key)
      if (list.length === 0) this.failures.delete(key); else this.failures.set(key, list)
    }
  }
}
