/**
 * Credentials for saned's AUTHORIZE exchange. saned asks for a resource (the backend name, e.g. "test")
 * when its saned.users lists that backend. If the resource carries "$MD5$<salt>", the password never goes
 * over the wire: we send "$MD5$" + hex MD5 of salt followed by the password (that order is what saned's
 * sanei_auth.c checks; the standard's prose says the reverse, the code is what counts). Without a salt the
 * password would travel in clear, so it is sent only if the caller allows it.
 */
import { createHash } from 'node:crypto'
import { MAX_AUTH_FIELD_BYTES } from './constants.js'

export interface SaneCredentials {
  username: string
  password: string
}

export interface AuthRequest {
  host: string
  port: number
  /** The resource as saned sent it, salt included. */
  resource: string
  /** The backend the resource names ("test" for device "test:0"). */
  backend: string
}

/** Fixed credentials for every resource, or a callback that picks them (undefined = none). */
export type SaneAuth = SaneCredentials | ((request: AuthRequest) => SaneCredentials | undefined | Promise<SaneCredentials | undefined>)

const MD5_MARK = '$MD5$'
/** saned hashes at most 128 bytes of the password (`%.128s`). */
const MD5_PASSWORD_BYTES = 128

export function resourceBackend (resource: string): string {
  const mark = resource.indexOf(MD5_MARK)
  return mark === -1 ? resource : resource.slice(0, mark)
}

/** The password field of AUTHORIZE for this resource: salted MD5 when saned offers a salt, else plain. */
export function scramblePassword (resource: string, password: string): { password: string, plain: boolean } {
  const mark = resource.indexOf(MD5_MARK)
  if (mark === -1) return { password, plain: true }
  const salt = resource.slice(mark + MD5_MARK.length)
  const secret = Buffer.from(password, 'utf8').subarray(0, MD5_PASSWORD_BYTES)
  const digest = createHash('md5').update(Buffer.from(salt, 'utf8')).update(secret).digest('hex')
  return { password: MD5_MARK + digest, plain: false }
}

export interface AuthorizeFields {
  username: string
  password: string
  /** Why empty credentials were sent instead (none given, too long, clear text refused). */
  problem?: 'no-credentials' | 'credentials-too-long' | 'plain-text-refused'
}

/**
 * Works out what to send in AUTHORIZE. It never throws: saned waits for the AUTHORIZE call, so when we
 * have nothing usable we send empty fields and let saned answer ACCESS_DENIED.
 */
export async function authorizeFields (auth: SaneAuth | undefined, request: AuthRequest, allowPlainText: boolean, timeoutMs = 10_000): Promise<AuthorizeFields> {
  let creds: SaneCredentials | undefined
  let timer: NodeJS.Timeout | undefined
  try {
    // saned holds the call open while we look for credentials; a callback that never answers must not hang it.
    const late = new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), timeoutMs) })
    creds = typeof auth === 'function' ? await Promise.race([Promise.resolve(auth(request)), late]) : auth
  } catch {
    creds = undefined
  } finally {
    clearTimeout(timer)
  }
  if (creds === undefined) return { username: '', password: '', problem: 'no-credentials' }
  const scrambled = scramblePassword(request.resource, creds.password)
  if (scrambled.plain && !allowPlainText) return { username: '', password: '', problem: 'plain-text-refused' }
  if (Buffer.byteLength(creds.username, 'utf8') > MAX_AUTH_FIELD_BYTES ||
      Buffer.byteLength(scrambled.password, 'utf8') > MAX_AUTH_FIELD_BYTES) {
    return { username: '', password: '', problem: 'credentials-too-long' }
  }
  return { username: creds.username, password: scrambled.password }
}
