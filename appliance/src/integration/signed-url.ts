/**
 * Download links for archived result files that the one-stop system and the portals fetch without a session:
 * `<base>/api/v1/integration/files/<recordId>/<filename>?exp=<unix seconds>&sig=<base64url HMAC>`.
 * The HMAC key is derived from the node key, so no second secret has to be kept and a link only works on the
 * node that issued it. A link names one record's one file role and stops working at `exp`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { AppError } from '../errors/index.js'
import type { NodeKey } from '../archive/index.js'

/** Which stored file of a record a link opens: the signed "SAO Y" PDF is the only one handed out. */
export type LinkedFile = 'pdf'

export interface SignedLink {
  url: string
  /** ISO 8601 UTC. */
  expiresAt: string
}

export const FILE_LINK_PATH = '/api/v1/integration/files'
/** Long enough for a portal to fetch the file after a lookup or an outbox delivery, short enough not to leak for ever. */
export const DEFAULT_LINK_TTL_SECONDS = 24 * 3600

export class FileLinkSigner {
  private readonly secret: Buffer

  /** `baseUrl` may be a function: the node's address is known only once it listens. */
  constructor (secret: Uint8Array, private readonly baseUrl: string | (() => string), readonly ttlSeconds = DEFAULT_LINK_TTL_SECONDS) {
    this.secret = Buffer.from(secret)
  }

  /** A key of its own for links, derived from (never equal to) the node's signing key. */
  static fromNodeKey (key: NodeKey, baseUrl: string | (() => string), ttlSeconds?: number): FileLinkSigner {
    const secret = createHmac('sha256', Buffer.from(key.privateKey.raw)).update('sohoa/file-link/v1').digest()
    return new FileLinkSigner(secret, baseUrl, ttlSeconds)
  }

  link (recordId: string, filename: string, opts: { file?: LinkedFile, now?: Date, ttlSeconds?: number } = {}): SignedLink {
    const file = opts.file ?? 'pdf'
    const exp = Math.floor((opts.now ?? new Date()).getTime() / 1000) + (opts.ttlSeconds ?? this.ttlSeconds)
    const query = new URLSearchParams({ exp: String(exp) })
    if (file !== 'pdf') query.set('file', file)
    query.set('sig', this.sign(recordId, file, exp))
    return {
      url: `${(typeof this.baseUrl === 'function' ? this.baseUrl() : this.baseUrl).replace(/\/+$/, '')}${FILE_LINK_PATH}/${encodeURIComponent(recordId)}/${encodeURIComponent(filename)}?${query.toString()}`,
      expiresAt: new Date(exp * 1000).toISOString()
    }
  }

  /** Throws LINK_INVALID (tampered or foreign) or LINK_EXPIRED; the filename in the path is cosmetic. */
  check (recordId: string, query: { exp?: string, sig?: string, file?: string }, now = new Date()): LinkedFile {
    const file = (query.file ?? 'pdf') as LinkedFile
    const exp = Number(query.exp)
    if (file !== 'pdf' || !Number.isSafeInteger(exp) || typeof query.sig !== 'string') throw new AppError('LINK_INVALID')
    const expected = Buffer.from(this.sign(recordId, file, exp))
    const given = Buffer.from(query.sig)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('LINK_INVALID')
    if (exp * 1000 <= now.getTime()) throw new AppError('LINK_EXPIRED', { expiredAt: new Date(exp * 1000).toISOString() })
    return file
  }

  private sign (recordId: string, file: LinkedFile, exp: number): string {
    return createHmac('sha256', this.secret).update(`${recordId}\n${file}\n${exp}`).digest('base64url')
  }
}
