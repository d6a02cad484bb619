/**
 * The node key: one Ed25519 key per node, in `<dataDir>/node.key` (libp2p protobuf, mode 0600). It signs the
 * archive log and is the node's libp2p identity, so its peer ID names the node to the province and to verifiers;
 * an Ed25519 peer ID embeds the public key, so a peer ID is all a verifier needs.
 *
 * The file is written once, atomically (`writeFileAtomic` with `exclusive`: temp file, fsync, hard link into place,
 * folder fsync): two processes starting together end up with the same key. A damaged file is an error, never
 * replaced: a new key would silently make a new node identity and split the log's signers.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { AppError } from '../../errors/index.js'
import { writeFileAtomic } from '../../store/index.js'

export const NODE_KEY_FILE = 'node.key'

export interface NodeKey {
  /** The libp2p key object (pass it to `createLibp2p({ privateKey })`). */
  privateKey: Ed25519PrivateKey
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array
  /** `12D3KooW…`: the libp2p peer ID, which embeds the public key. */
  peerId: string
  sign: (bytes: Uint8Array) => Promise<Uint8Array>
}

export async function loadOrCreateNodeKey (dataDir: string): Promise<NodeKey> {
  const file = join(dataDir, NODE_KEY_FILE)
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new AppError('STORAGE_FAILED', { file }, err)
    bytes = await createKeyFile(dataDir, file)
  }
  return nodeKeyOf(parseKey(bytes, file))
}

function parseKey (bytes: Uint8Array, file: string): Ed25519PrivateKey {
  let key
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new AppError('NODE_KEY_INVALID', { file }, err)
  }
  if (key.type !== 'Ed25519') throw new AppError('NODE_KEY_INVALID', { file, type: key.type })
  return key
}

function nodeKeyOf (privateKey: Ed25519PrivateKey): NodeKey {
  return {
    privateKey,
    publicKey: privateKey.publicKey.raw,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    sign: async (bytes) => await privateKey.sign(bytes)
  }
}

/** Writes a new key without ever replacing one: when another process got there first, its key is the key. */
async function createKeyFile (dataDir: string, file: string): Promise<Buffer> {
  const bytes = Buffer.from(privateKeyToProtobuf(await generateKeyPair('Ed25519')))
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o750 })
    if (await writeFileAtomic(file, bytes, { mode: 0o600, exclusive: true })) return bytes
    return await readFile(file)
  } catch (err) {
    throw new AppError('STORAGE_FAILED', { file }, err)
  }
}

/** The raw 32-byte public key an Ed25519 peer ID embeds; refuses any other kind of peer ID. */
export function peerIdToPublicKey (peerId: string): Uint8Array {
  let parsed
  try {
    parsed = peerIdFromString(peerId)
  } catch (err) {
    throw new AppError('VALIDATION', { peerId: 'not a libp2p peer ID' }, err)
  }
  if (parsed.type !== 'Ed25519' || !parsed.publicKey) throw new AppError('VALIDATION', { peerId: 'not an Ed25519 peer ID' })
  return parsed.publicKey.raw
}
