/**
 * One delivery attempt: POST the message as JSON with its idempotency key, bounded by a timeout, and read the answer
 * the way the national systems give it (`{error_code, message}`, "0" for success). Also the targets as configured
 * (credentials out of the URL, into a header) and the retry delay.
 */
import { AppError } from '../../errors/index.js'
import type { OutboxTargetConfig } from '../../config/index.js'

export interface OutboxTarget {
  name: string
  /** The URL without credentials: safe to show and to log. */
  url: string
  /** `Basic …` when the configured URL carried userinfo; never shown or logged. */
  authorization?: string
}

export interface DeliveryResult {
  ok: boolean
  status?: number
  /** Why it failed, for the admin (may quote the receiver's message). */
  error?: string
  /** The same without the receiver's words, for log lines (a portal may echo personal data back). */
  logError?: string
  /** From a `Retry-After` header, in ms. */
  retryAfterMs?: number
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const MAX_ERROR = 300

/** The configured targets, checked: names unique, URLs http(s); a missing name becomes the URL's host. */
export function resolveTargets (configured: readonly OutboxTargetConfig[]): OutboxTarget[] {
  const out: OutboxTarget[] = []
  const problems: string[] = []
  for (const [i, t] of configured.entries()) {
    let url: URL
    try {
      url = new URL(t.url)
    } catch {
      problems.push(`outboxTargets[${i}]: not a URL`)
      continue
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') { problems.push(`outboxTargets[${i}]: not http(s)`); continue }
    const name = t.name ?? url.host.replace(/[^A-Za-z0-9._-]/g, '-')
    if (!NAME.test(name)) { problems.push(`outboxTargets[${i}]: name "${name}" is not valid`); continue }
    if (out.some(o => o.name === name)) { problems.push(`outboxTargets[${i}]: two targets are named "${name}" (give each a name=)`); continue }
    const authorization = url.username !== '' || url.password !== ''
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined
    url.username = ''
    url.password = ''
    out.push({ name, url: url.toString(), ...(authorization ? { authorization } : {}) })
  }
  if (problems.length > 0) throw new AppError('CONFIG_INVALID', { problems })
  return out
}

/** Exponential backoff with jitter: attempt n waits between half and all of base·2ⁿ⁻¹, never more than `capMs`. */
export function backoffDelay (attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const full = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 40))
  return Math.round(full / 2 + random() * full / 2)
}

/** Whether an answer body accepts the message: any 2xx body, unless it is JSON whose `error_code` is not "0". */
export function answerProblem (body: string): { code: string, message: string } | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return null
  }
  if (parsed === null || typeof parsed !== 'object' || !('error_code' in parsed)) return null
  const { error_code: code, message } = parsed as { error_code: unknown, message?: unknown }
  if (String(code) === '0') return null
  return { code: String(code), message: typeof message === 'string' ? message : '' }
}

/**
 * `Retry-After` as milliseconds from now. An HTTP-date is a time on the receiver's clock, so it is measured from the
 * receiver's own `Date` header when there is one: two machines' clocks are never compared.
 */
export function retryAfter (header: string | null, dateHeader: string | null = null, now = Date.now()): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const at = Date.parse(header)
  if (Number.isNaN(at)) return undefined
  const sent = dateHeader === null ? Number.NaN : Date.parse(dateHeader)
  return Math.max(0, at - (Number.isNaN(sent) ? now : sent))
}

/**
 * Bytes of a target's answer read at most (issue 15): only its status and a small JSON `error_code` matter, so a
 * receiver (or whatever answers at its address) that sends an endless or huge body cannot fill the node's memory.
 * A longer answer is cut there and judged by its status and what was read.
 */
export const MAX_ANSWER_BYTES = 64 * 1024

/** The answer's first `max` bytes as text; the rest is never read (the stream is cancelled). */
async function boundedText (res: Response, max: number): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  try {
    while (size < max) {
      const { done, value } = await reader.read()
      if (done) break
      parts.push(value)
      size += value.byteLength
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
  return Buffer.concat(parts).subarray(0, max).toString('utf8')
}

const clip = (s: string): string => s.length > MAX_ERROR ? `${s.slice(0, MAX_ERROR)}…` : s

/** One POST; never throws (a failure is a result). `stop` aborts it when the node stops. */
export async function deliver (target: OutboxTarget, body: string, idempotencyKey: string, opts: { timeoutMs: number, stop?: AbortSignal, userAgent?: string }): Promise<DeliveryResult> {
  const timeout = AbortSignal.timeout(opts.timeoutMs)
  const signal = opts.stop ? AbortSignal.any([timeout, opts.stop]) : timeout
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
        'idempotency-key': idempotencyKey,
        ...(opts.userAgent ? { 'user-agent': opts.userAgent } : {}),
        ...(target.authorization ? { authorization: target.authorization } : {})
      },
      body,
      signal,
      redirect: 'error'
    })
    const text = await boundedText(res, MAX_ANSWER_BYTES)
    if (res.status < 200 || res.status > 299) {
      const error = `HTTP ${res.status}`
      return { ok: false, status: res.status, error, logError: error, retryAfterMs: retryAfter(res.headers.get('retry-after'), res.headers.get('date')) }
    }
    const problem = answerProblem(text)
    if (problem) return { ok: false, status: res.status, error: clip(`error_code ${problem.code}: ${problem.message}`), logError: `error_code ${problem.code}` }
    return { ok: true, status: res.status }
  } catch (err) {
    if (timeout.aborted) return { ok: false, error: `no answer within ${opts.timeoutMs} ms`, logError: 'timeout' }
    if (opts.stop?.aborted) return { ok: false, error: 'stopped', logError: 'stopped' }
    const cause = (err as { cause?: { code?: string, message?: string } }).cause
    const error = clip(`request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
    return { ok: false, error, logError: error }
  }
}
