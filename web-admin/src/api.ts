/**
 * The one way the app talks to the appliance: `/api/v1` only, the session cookie, the CSRF token on every
 * state-changing request, and errors turned into ApiError with the API's Vietnamese and English messages.
 * A 401 on any call but the login itself ends the session in the app (the shell goes back to the login page).
 */

export class ApiError extends Error {
  constructor (
    readonly code: string,
    readonly status: number,
    readonly messageVi: string,
    readonly messageEn: string,
    readonly details?: Record<string, unknown>
  ) {
    super(messageEn)
    this.name = 'ApiError'
  }
}

let csrfToken: string | null = null
let onUnauthenticated: (() => void) | null = null

export function setCsrfToken (token: string | null): void { csrfToken = token }
export function onSessionLost (fn: () => void): void { onUnauthenticated = fn }

export interface CallOptions {
  body?: unknown
  headers?: Record<string, string>
  /** Answer the Response itself (binary bodies, ETags). */
  raw?: boolean
  /** A 401 is an answer here (the login form, the first session check), not a lost session. */
  expect401?: boolean
}

const SAFE = new Set(['GET', 'HEAD'])

export async function call<T = unknown> (method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  if (!SAFE.has(method) && csrfToken !== null) headers['x-csrf-token'] = csrfToken
  let res: Response
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body)
    })
  } catch {
    throw new ApiError('NETWORK', 0, '', '')
  }
  if (!res.ok) {
    const err = await errorOf(res)
    if (res.status === 401 && !opts.expect401) onUnauthenticated?.()
    throw err
  }
  if (opts.raw) return res as unknown as T
  if (res.status === 204) return undefined as T
  const type = res.headers.get('content-type') ?? ''
  return (type.includes('json') ? await res.json() : await res.text()) as T
}

async function errorOf (res: Response): Promise<ApiError> {
  try {
    const body = await res.json() as { error?: string, message?: string, messageEn?: string, details?: Record<string, unknown> }
    if (typeof body.error === 'string' && typeof body.message === 'string') {
      return new ApiError(body.error, res.status, body.message, body.messageEn ?? body.message, body.details)
    }
  } catch { /* not JSON: a proxy's page, say */ }
  return new ApiError(`HTTP_${res.status}`, res.status, '', '')
}

export const get = async <T = unknown>(path: string, opts?: CallOptions): Promise<T> => await call<T>('GET', path, opts)
export const post = async <T = unknown>(path: string, body?: unknown, opts?: CallOptions): Promise<T> => await call<T>('POST', path, { ...opts, body })

/** A query string from the set values only. */
export function qs (params: Record<string, string | number | boolean | undefined | null>): string {
  const out = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') out.set(k, String(v))
  const s = out.toString()
  return s ? `?${s}` : ''
}
