/**
 * The log entry format (a contract shared with replication; never change it in place: a new shape is a new `v`).
 *
 *   envelope bytes = UTF-8 of JSON.stringify({ body: canonicalJson(body), sig: base64(Ed25519(UTF-8 of that body string)) })
 *   entry hash     = hex SHA-256 of the envelope bytes; each body's `prev` is the previous entry's hash
 *
 * Decoding is strict: an envelope is accepted only in the exact bytes this code writes (canonical body, no extra
 * keys, canonical base64), so no two byte strings carry the same entry and any changed byte is caught either by the
 * signature or by the chain. Verification is synchronous (node:crypto) so callers can check entries in a loop.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto'
import { AppError } from '../../errors/index.js'
import { canonicalJson } from './canonical.js'
import { peerIdToPublicKey, type NodeKey } from './node-key.js'

export const ZERO_HASH = '0'.repeat(64)

export interface LogFileRef {
  sha256: string
  size: number
  /** `master`, `source`, `pdf`, `text`, … */
  role: string
}

export interface LogEntryBody {
  v: 1
  /** 1, 2, 3, … per node, no gaps. */
  seq: number
  /** Hex SHA-256 of the previous entry's envelope bytes; 64 × '0' for seq 1. */
  prev: string
  /** ISO 8601 UTC. */
  at: string
  /** The signing node's peer ID. */
  node: string
  /** `record.archived` | `record.validity` | `record.deleted` | `fixity.checked` | `unit.catalogue` | … */
  type: string
  recordId?: string
  unit?: string
  /** Every stored file this entry vouches for. */
  files?: LogFileRef[]
  data: Record<string, unknown>
}

/** An entry as the log hands it out. */
export interface LogEntry {
  seq: number
  /** Hex SHA-256 of `envelope`. */
  hash: string
  body: LogEntryBody
  envelope: Uint8Array
}

export interface DecodedEnvelope {
  body: LogEntryBody
  /** The canonical JSON the signature covers. */
  bodyString: string
  /** Base64, as in the envelope. */
  sig: string
  hash: string
}

export type LogProblem = 'signature' | 'chain' | 'seq' | 'format'

const SHA256 = /^[0-9a-f]{64}$/
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/
const BODY_KEYS = new Set(['v', 'seq', 'prev', 'at', 'node', 'type', 'recordId', 'unit', 'files', 'data'])

export const entryHash = (envelope: Uint8Array): string => createHash('sha256').update(envelope).digest('hex')

function invalid (problem: LogProblem, seq: number | undefined, detail?: string, cause?: unknown): AppError {
  return new AppError('LOG_ENTRY_INVALID', { ...(seq !== undefined ? { seq } : {}), problem, ...(detail ? { detail } : {}) }, cause)
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** What is wrong with a body's shape, or null. Shared by decoding and by `append` (which refuses bad input early). */
export function bodyProblem (body: unknown): string | null {
  if (!isPlainObject(body)) return 'body is not an object'
  for (const k of Object.keys(body)) if (!BODY_KEYS.has(k)) return `unknown key ${k}`
  if (body.v !== 1) return 'v is not 1'
  if (!Number.isSafeInteger(body.seq) || (body.seq as number) < 1) return 'seq is not a positive integer'
  if (typeof body.prev !== 'string' || !SHA256.test(body.prev)) return 'prev is not a SHA-256'
  if (typeof body.at !== 'string' || !ISO_UTC.test(body.at) || Number.isNaN(Date.parse(body.at))) return 'at is not an ISO 8601 UTC time'
  if (typeof body.node !== 'string' || body.node === '') return 'node is missing'
  if (typeof body.type !== 'string' || body.type === '') return 'type is missing'
  if (body.recordId !== undefined && (typeof body.recordId !== 'string' || body.recordId === '')) return 'recordId is not a string'
  if (body.unit !== undefined && (typeof body.unit !== 'string' || body.unit === '')) return 'unit is not a string'
  if (body.files !== undefined) {
    if (!Array.isArray(body.files)) return 'files is not an array'
    for (const f of body.files as unknown[]) {
      if (!isPlainObject(f) || Object.keys(f).length !== 3) return 'a file reference is malformed'
      if (typeof f.sha256 !== 'string' || !SHA256.test(f.sha256)) return 'a file reference has no SHA-256'
      if (!Number.isSafeInteger(f.size) || (f.size as number) < 0) return 'a file reference has no size'
      if (typeof f.role !== 'string' || f.role === '') return 'a file reference has no role'
    }
  }
  if (!isPlainObject(body.data)) return 'data is not an object'
  return null
}

/** Signs a body (already complete: seq, prev, node…) into its envelope. */
export async function signEnvelope (body: LogEntryBody, key: Pick<NodeKey, 'sign'>): Promise<{ envelope: Uint8Array, text: string, hash: string }> {
  const bodyString = canonicalJson(body)
  const sig = Buffer.from(await key.sign(Buffer.from(bodyString, 'utf8'))).toString('base64')
  const text = JSON.stringify({ body: bodyString, sig })
  const envelope = new Uint8Array(Buffer.from(text, 'utf8'))
  return { envelope, text, hash: entryHash(envelope) }
}

/** Parses an envelope without checking its signature; throws LOG_ENTRY_INVALID (`format`) unless it is canonical. */
export function decodeEnvelope (bytes: Uint8Array): DecodedEnvelope {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const text = raw.toString('utf8')
  if (!Buffer.from(text, 'utf8').equals(raw)) throw invalid('format', undefined, 'not UTF-8')
  let outer: unknown
  try {
    outer = JSON.parse(text)
  } catch (err) {
    throw invalid('format', undefined, 'not JSON', err)
  }
  if (!isPlainObject(outer) || typeof outer.body !== 'string' || typeof outer.sig !== 'string' || Object.keys(outer).length !== 2) {
    throw invalid('format', undefined, 'not an envelope')
  }
  const bodyString = outer.body
  let body: unknown
  try {
    body = JSON.parse(bodyString)
  } catch (err) {
    throw invalid('format', undefined, 'body is not JSON', err)
  }
  const seq = isPlainObject(body) && Number.isSafeInteger(body.seq) ? body.seq as number : undefined
  if (JSON.stringify({ body: bodyString, sig: outer.sig }) !== text) throw invalid('format', seq, 'envelope is not canonical')
  const problem = bodyProblem(body)
  if (problem) throw invalid('format', seq, problem)
  let canonical: string
  try {
    canonical = canonicalJson(body)
  } catch (err) {
    throw invalid('format', seq, 'body is not canonical', err)
  }
  if (canonical !== bodyString) throw invalid('format', seq, 'body is not canonical')
  const sigBytes = Buffer.from(outer.sig, 'base64')
  if (sigBytes.byteLength !== 64 || sigBytes.toString('base64') !== outer.sig) throw invalid('format', seq, 'signature is not 64 bytes of base64')
  return { body: body as LogEntryBody, bodyString, sig: outer.sig, hash: entryHash(bytes) }
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const publicKeys = new Map<string, KeyObject>()

function publicKeyOf (peerId: string): KeyObject {
  let key = publicKeys.get(peerId)
  if (key) return key
  key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, peerIdToPublicKey(peerId)]), format: 'der', type: 'spki' })
  if (publicKeys.size >= 1024) publicKeys.clear()
  publicKeys.set(peerId, key)
  return key
}

/**
 * Checks one entry: canonical format, signed by `peerId` (which must be the body's `node`), and, when given, its
 * sequence number and its link to the previous entry's hash. Returns the body; throws LOG_ENTRY_INVALID with
 * `{ seq, problem: 'format' | 'signature' | 'seq' | 'chain' }`.
 */
export function verifyEnvelope (bytes: Uint8Array, opts: { expectedSeq?: number, prevHash?: string, peerId: string }): LogEntryBody {
  const { body, bodyString, sig } = decodeEnvelope(bytes)
  if (body.node !== opts.peerId) throw invalid('signature', body.seq, 'signed by another node')
  let key: KeyObject
  try {
    key = publicKeyOf(opts.peerId)
  } catch (err) {
    throw invalid('signature', body.seq, 'the signer is not an Ed25519 peer ID', err)
  }
  if (!verify(null, Buffer.from(bodyString, 'utf8'), key, Buffer.from(sig, 'base64'))) throw invalid('signature', body.seq)
  if (opts.expectedSeq !== undefined && body.seq !== opts.expectedSeq) throw invalid('seq', body.seq, `expected ${opts.expectedSeq}`)
  if (body.seq === 1 && body.prev !== ZERO_HASH) throw invalid('chain', body.seq, 'the first entry follows nothing')
  if (opts.prevHash !== undefined && body.prev !== opts.prevHash) throw invalid('chain', body.seq)
  return body
}
