import t from 'tap'
import { createHash } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import {
  ArchiveLog, canonicalJson, decodeEnvelope, loadOrCreateNodeKey, NODE_KEY_FILE, peerIdToPublicKey, verifyEnvelope, ZERO_HASH,
  type LogEntryBody, type NodeKey
} from '../../appliance/src/archive/log/index.js'
import { isAppError } from '../../appliance/src/errors/index.js'
import { newId, Store } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'
import { openArchive } from './log-fixture.js'

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const problemOf = (err: unknown): unknown => isAppError(err) ? { code: err.code, ...err.details } : err

/** Signs any body with any key, as a forger (or another node) would. */
async function forge (body: LogEntryBody, key: NodeKey): Promise<Uint8Array> {
  const bodyString = canonicalJson(body)
  const sig = Buffer.from(await key.sign(Buffer.from(bodyString))).toString('base64')
  return new Uint8Array(Buffer.from(JSON.stringify({ body: bodyString, sig })))
}

t.test('node key: created once (0600, atomic), reused across restarts, refused when damaged', async t => {
  const dir = await tempDir(t, 'sohoa-key-')
  // Several processes (here: calls) starting together must end with one key.
  const keys = await Promise.all([1, 2, 3, 4].map(async () => await loadOrCreateNodeKey(dir)))
  t.equal(new Set(keys.map(k => k.peerId)).size, 1, 'concurrent first starts agree on one key')
  const file = join(dir, NODE_KEY_FILE)
  const info = await stat(file)
  t.equal(info.mode & 0o777, 0o600, 'mode 0600')
  t.equal(info.size, 68, 'libp2p protobuf of an Ed25519 key')
  const again = await loadOrCreateNodeKey(dir)
  t.equal(again.peerId, keys[0].peerId, 'same peer ID after a restart')
  t.match(again.peerId, /^12D3KooW/)
  t.equal(again.publicKey.byteLength, 32)
  t.same(Buffer.from(peerIdToPublicKey(again.peerId)), Buffer.from(again.publicKey), 'the peer ID embeds the public key')
  t.same(Buffer.from(again.privateKey.publicKey.raw), Buffer.from(again.publicKey))
  const sig = await again.sign(Buffer.from('xin chào'))
  t.ok(await again.privateKey.publicKey.verify(Buffer.from('xin chào'), sig), 'sign() makes a signature its public key accepts')

  const original = await readFile(file)
  const damaged = Buffer.from(original)
  damaged[10] ^= 0xff
  await writeFile(file, damaged.subarray(0, 40))
  await t.rejects(loadOrCreateNodeKey(dir), { code: 'NODE_KEY_INVALID' }, 'a truncated key file is an error')
  t.same(await readFile(file), damaged.subarray(0, 40), 'and is never replaced')
  await writeFile(file, privateKeyToProtobuf(await generateKeyPair('secp256k1')))
  await t.rejects(loadOrCreateNodeKey(dir), { code: 'NODE_KEY_INVALID' }, 'a key of another type is refused')
  await writeFile(file, original)
  t.equal((await loadOrCreateNodeKey(dir)).peerId, keys[0].peerId, 'restoring the file restores the identity')

  t.throws(() => peerIdToPublicKey('not-a-peer-id'), { code: 'VALIDATION' })
  const secp = await generateKeyPair('secp256k1')
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
  t.throws(() => peerIdToPublicKey(peerIdFromPrivateKey(secp).toString()), { code: 'VALIDATION' }, 'only Ed25519 peer IDs')
})

t.test('canonical JSON: sorted keys at every depth, no whitespace, no undefined, refuses what JSON cannot carry', async t => {
  t.equal(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'ý' }], c: undefined }, 'á': true }), '{"a":{"d":[3,{"y":"ý","z":null}]},"b":1,"á":true}')
  t.equal(canonicalJson([undefined, 1.5, -0, 'a"b\n']), '[null,1.5,0,"a\\"b\\n"]')
  t.equal(canonicalJson({ at: new Date('2026-01-02T03:04:05.000Z') }), '{"at":"2026-01-02T03:04:05.000Z"}')
  t.equal(canonicalJson('\ud800'), '"\\ud800"', 'a lone surrogate is escaped, so the text stays valid UTF-8')
  t.throws(() => canonicalJson({ n: NaN }), { code: 'VALIDATION' })
  t.throws(() => canonicalJson({ n: 1n }), { code: 'VALIDATION' })
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  t.throws(() => canonicalJson(cyclic), { code: 'VALIDATION' })
})

t.test('append: a linear, signed, hash-chained log; the entry and the caller\'s writes commit together', async t => {
  const a = await openArchive(t)
  t.same(await a.archiveLog.head(), { seq: 0, hash: ZERO_HASH }, 'an empty log')
  const recordId = newId('r')
  const files = [{ sha256: 'a'.repeat(64), size: 10, role: 'master' }]
  const first = await a.archiveLog.append({ type: 'record.archived', recordId, unit: '622', files, data: { record: { id: recordId, note: 'Hồ sơ <1> & "2"' }, dropped: undefined } }, tx => {
    tx.putTarget({ unit: '622', year: 2001, pages: 1, estimated: false, source: 'written-with-entry-1', updatedAt: new Date().toISOString() })
  })
  t.equal(first.seq, 1)
  t.equal(first.body.prev, ZERO_HASH)
  t.equal(first.body.node, a.key.peerId)
  t.equal(first.hash, sha256(first.envelope), 'the entry hash is the SHA-256 of the envelope bytes')
  t.notOk('dropped' in first.body.data, 'undefined is not part of a canonical body')
  t.equal((await a.store.getTarget('622', 2001))?.source, 'written-with-entry-1', 'the caller\'s writes are in the same batch')

  // The envelope is exactly the contract's shape.
  const outer = JSON.parse(Buffer.from(first.envelope).toString('utf8'))
  t.same(Object.keys(outer), ['body', 'sig'])
  t.equal(outer.body, canonicalJson(JSON.parse(outer.body)), 'the body is canonical JSON')
  t.equal(Buffer.from(outer.sig, 'base64').byteLength, 64, 'an Ed25519 signature')
  const decoded = decodeEnvelope(first.envelope)
  t.equal(decoded.bodyString, outer.body)
  t.equal(decoded.sig, outer.sig)
  t.equal(decoded.hash, first.hash)

  const second = await a.archiveLog.append({ type: 'record.validity', recordId, data: { validity: { state: 'revoked' } } })
  const third = await a.archiveLog.append({ type: 'unit.catalogue', data: { version: 3 } })
  t.equal(second.body.prev, first.hash)
  t.equal(third.body.prev, second.hash)
  t.same(await a.archiveLog.head(), { seq: 3, hash: third.hash })

  const stored = await a.archiveLog.entries(1, 10)
  t.same(stored.map(e => e.seq), [1, 2, 3])
  t.same(stored.map(e => Buffer.from(e.envelope)), [first, second, third].map(e => Buffer.from(e.envelope)), 'entries come back byte for byte')
  let prev = ZERO_HASH
  for (const e of stored) {
    verifyEnvelope(e.envelope, { expectedSeq: e.seq, prevHash: prev, peerId: a.key.peerId })
    prev = sha256(e.envelope)
  }
  t.same((await a.archiveLog.entries(2, 1)).map(e => e.seq), [2], 'paging')
  t.same(await a.archiveLog.entries(4, 10), [])
  t.same((await a.archiveLog.forRecord(recordId)).map(e => e.seq), [1, 2], 'the record index')
  t.same(await a.archiveLog.forRecord(newId('r')), [])
  t.equal((await a.archiveLog.get(2))?.body.type, 'record.validity')
  t.equal(await a.archiveLog.get(9), undefined)

  // A caller whose own writes fail leaves no entry behind.
  await t.rejects(a.archiveLog.append({ type: 'record.validity', recordId, data: {} }, () => { throw new Error('caller failed') }), /caller failed/)
  t.equal((await a.archiveLog.head()).seq, 3, 'nothing was appended')
  await t.rejects(a.archiveLog.append({ type: '', data: {} }), { code: 'VALIDATION' })
  await t.rejects(a.archiveLog.append({ type: 'x', files: [{ sha256: 'nope', size: 1, role: 'master' }], data: {} }), { code: 'VALIDATION' })
  await t.rejects(a.archiveLog.append({ type: 'x', data: { n: Infinity } }), { code: 'VALIDATION' })
  t.equal((await a.archiveLog.head()).seq, 3)
})

t.test('reopen after close keeps the head, the key and the chain', async t => {
  const dir = await tempDir(t, 'sohoa-log-reopen-')
  const store1 = await Store.open(dir)
  const key1 = await loadOrCreateNodeKey(dir)
  const log1 = await ArchiveLog.open(store1, key1)
  for (let i = 0; i < 5; i++) await log1.append({ type: 'record.archived', recordId: newId('r'), data: { i } })
  const head1 = await log1.head()
  await store1.close()

  const store2 = await Store.open(dir)
  t.teardown(async () => await store2.close())
  const key2 = await loadOrCreateNodeKey(dir)
  t.equal(key2.peerId, key1.peerId, 'same node identity')
  const log2 = await ArchiveLog.open(store2, key2)
  t.same(await log2.head(), head1, 'same head after a restart')
  const next = await log2.append({ type: 'unit.catalogue', data: {} })
  t.equal(next.seq, 6)
  t.equal(next.body.prev, head1.hash, 'continues the chain')
  t.same((await log2.signers()).map(s => ({ peerId: s.peerId, since: s.since })), [{ peerId: key1.peerId, since: 1 }], 'one signer, from the start')
})

t.test('concurrent appends (two log objects on one store) keep the chain linear', async t => {
  const a = await openArchive(t)
  const other = await ArchiveLog.open(a.store, a.key)
  const n = 40
  const appended = await Promise.all(Array.from({ length: n }, async (_, i) => await (i % 2 === 0 ? a.archiveLog : other).append({ type: 'record.archived', recordId: newId('r'), data: { i } })))
  t.same(appended.map(e => e.seq).sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i + 1), 'every seq once, no gaps')
  let prev = ZERO_HASH
  for (const e of await a.archiveLog.entries(1, n)) {
    verifyEnvelope(e.envelope, { expectedSeq: e.seq, prevHash: prev, peerId: a.key.peerId })
    prev = sha256(e.envelope)
  }
  t.equal((await a.archiveLog.head()).hash, prev)
})

t.test('verifyEnvelope refuses a wrong key, a broken chain, a wrong seq and any non-canonical byte', async t => {
  const a = await openArchive(t)
  const e1 = await a.archiveLog.append({ type: 'record.archived', recordId: newId('r'), data: { n: 1 } })
  const e2 = await a.archiveLog.append({ type: 'record.archived', recordId: newId('r'), data: { n: 2 } })
  const stranger = await loadOrCreateNodeKey(await tempDir(t, 'sohoa-key-other-'))
  const check = (bytes: Uint8Array, opts: Parameters<typeof verifyEnvelope>[1]): unknown => {
    try {
      verifyEnvelope(bytes, opts)
      return 'accepted'
    } catch (err) {
      return problemOf(err)
    }
  }
  t.equal(check(e2.envelope, { expectedSeq: 2, prevHash: e1.hash, peerId: a.key.peerId }), 'accepted')
  t.match(check(e2.envelope, { peerId: stranger.peerId }), { code: 'LOG_ENTRY_INVALID', seq: 2, problem: 'signature' }, 'another node\'s peer ID')
  // A forger who keeps our peer ID in the body but signs with its own key.
  const forged = await forge({ ...e2.body, data: { n: 666 } }, stranger)
  t.match(check(forged, { expectedSeq: 2, prevHash: e1.hash, peerId: a.key.peerId }), { problem: 'signature' }, 'a wrong-key signature is refused')
  // Our own key signing a body whose content changed after signing.
  const outer = JSON.parse(Buffer.from(e2.envelope).toString())
  const swapped = Buffer.from(JSON.stringify({ body: outer.body.replace('"n":2', '"n":3'), sig: outer.sig }))
  t.match(check(swapped, { peerId: a.key.peerId }), { problem: 'signature' })
  t.match(check(e2.envelope, { expectedSeq: 3, peerId: a.key.peerId }), { problem: 'seq' })
  t.match(check(e2.envelope, { prevHash: ZERO_HASH, peerId: a.key.peerId }), { problem: 'chain' })
  const notFirst = await forge({ ...e1.body, prev: e2.hash }, a.key)
  t.match(check(notFirst, { peerId: a.key.peerId }), { problem: 'chain' }, 'entry 1 follows nothing')
  const spaced = Buffer.from(JSON.stringify(outer, null, 1))
  t.match(check(spaced, { peerId: a.key.peerId }), { problem: 'format' }, 'whitespace makes other bytes: refused')
  const upperHex = Buffer.from(Buffer.from(e2.envelope).toString().replace(/"sig":"([^"]*)"/, (_, s: string) => `"sig":"${s}="`))
  t.match(check(upperHex, { peerId: a.key.peerId }), { problem: 'format' }, 'non-canonical base64')
  const extraKey = await forge({ ...e2.body, extra: 1 } as unknown as LogEntryBody, a.key)
  t.match(check(extraKey, { peerId: a.key.peerId }), { problem: 'format' }, 'unknown body keys')
  t.match(check(Buffer.from([0xff, 0xfe]), { peerId: a.key.peerId }), { problem: 'format' })
  t.throws(() => decodeEnvelope(Buffer.from('{"body":"{}","sig":""}')), { code: 'LOG_ENTRY_INVALID' })
})

t.test('importEntry stores foreign envelopes byte for byte, in order only, and remembers their signer', async t => {
  const source = await openArchive(t)
  for (let i = 0; i < 4; i++) await source.archiveLog.append({ type: 'record.archived', recordId: newId('r'), data: { i } })
  const entries = await source.archiveLog.entries(1, 10)
  const target = await openArchive(t)
  t.not(target.key.peerId, source.key.peerId)
  await t.rejects(target.archiveLog.importEntry(entries[1].envelope), { code: 'LOG_ENTRY_INVALID', details: { problem: 'seq' } }, 'a gap is refused')
  for (const e of entries) await target.archiveLog.importEntry(e.envelope, tx => { tx.putTarget({ unit: '622', year: 2000 + e.seq, pages: e.seq, estimated: false, source: 'imported', updatedAt: new Date().toISOString() }) })
  t.same(await target.archiveLog.head(), await source.archiveLog.head(), 'same head, same hash')
  t.equal((await target.store.getTarget('622', 2004))?.pages, 4, 'the importer\'s writes are in the entry\'s batch')
  await t.rejects(target.archiveLog.importEntry(entries[3].envelope), { code: 'LOG_ENTRY_INVALID' }, 'a replay is refused')
  const own = await target.archiveLog.append({ type: 'unit.catalogue', data: {} })
  t.equal(own.body.prev, (await source.archiveLog.head()).hash, 'the restored node continues its chain with its new key')
  t.equal(own.body.node, target.key.peerId)
  const signers = Object.fromEntries((await target.archiveLog.signers()).map(s => [s.peerId, s.since]))
  t.same(signers, { [target.key.peerId]: 1, [source.key.peerId]: 1 })
})
