/**
 * A byte-rate limiter for the send loop (libp2p has none). Callers take the bytes they are about to write; the
 * bucket may go into debt by one message and then waits it off, so the long-run rate is exact whatever the
 * message size, and a burst never exceeds `burst` bytes above the rate (kept small so the cap holds over any 10 s).
 */
export class TokenBucket {
  private tokens: number
  private last = performance.now()

  /** `rate` in bytes per second; 0 or less means unlimited. */
  constructor (readonly rate: number, readonly burst: number = Math.max(16 * 1024, rate / 4)) {
    this.tokens = 0
  }

  get unlimited (): boolean { return !(this.rate > 0) }

  /** Resolves when `n` bytes may be sent (at once when unlimited). */
  async take (n: number, signal?: AbortSignal): Promise<void> {
    if (this.unlimited) return
    const now = performance.now()
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate / 1000)
    this.last = now
    this.tokens -= n
    if (this.tokens >= 0) return
    const waitMs = Math.ceil(-this.tokens * 1000 / this.rate)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, waitMs)
      signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
    })
  }
}

/** Bytes per second over the last `windowMs`, for status and metrics. */
export class RateMeter {
  private readonly samples: Array<{ at: number, bytes: number }> = []
  total = 0

  constructor (private readonly windowMs = 10_000) {}

  add (bytes: number): void {
    const at = performance.now()
    this.total += bytes
    this.samples.push({ at, bytes })
    this.trim(at)
  }

  perSecond (): number {
    const now = performance.now()
    this.trim(now)
    if (this.samples.length === 0) return 0
    const span = Math.max(1000, now - this.samples[0].at)
    return Math.round(this.samples.reduce((s, x) => s + x.bytes, 0) * 1000 / span)
  }

  private trim (now: number): void {
    while (this.samples.length > 0 && now - this.samples[0].at > this.windowMs) this.samples.shift()
  }
}
