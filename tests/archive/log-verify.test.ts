import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  ArchiveLog, canonicalJson, checkFixityAndRecord, hashFile, loadOrCreateNodeKey, verifyArchive, type LogEntryBody, type VerifyProgress
} from '../../appliance/src/archive/log/index.js'
import { newId, Store } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'
import { archiveRecord, flipFileByte, openArchive, rawLogValue, type Archived, type Opened } from './log-fixture.js'


async function seeded (t: { teardown: (fn: () => unknown) => void }, n = 3): Promise<{ a: Opened, records: Archived[] }> {
  const a = await openArchive(t)
  const records: Archived[] = []
  for (let i = 0; i < n; i++) records.push(await archiveRecord(a))
  return { a, records }
}

t.test('an intact archive verifies, with progress for each phase', async t => {
  const { a, records } = await seeded(t)
  await a.archiveLog.append({ type: 'record.validity', recordId: records[0].record.id, data: { validity: { state: 'revoked' } } })
  const progress: VerifyProgress[] = []
  const result = await verifyArchive({ store: a.store, archiveLog: a.archiveLog, onProgress: p => progress.push(p) })
  t.same(result.failures, [])
  t.equal(result.entries, 4)
  t.equal(result.records, 3)
  // 2 masters + 2 thumbnails + pdf + text per record: every file in the store is re-hashed, not only the logged ones.
  t.equal(result.files, 18)
  t.ok(result.bytes > 3 * (3000 + 5000 + 2000), 'bytes re-hashed')
  t.same([...new Set(progress.map(p => p.phase))], ['log', 'files', 'records'])
  t.match(progress.filter(p => p.phase === 'files').at(-1), { done: 18, total: 18, bytes: result.bytes, totalBytes: result.bytes })
})

t.test('one flipped byte in a stored file is found and names the record', async t => {
  const { a, records } = await seeded(t)
  const victim = records[1]
  await flipFileByte(a.store, victim.pages[1].sha256, 2500)
  const result = await verifyArchive({ store: a.store, archiveLog: a.archiveLog })
  t.same(result.failures, [{ recordId: victim.record.id, sha256: victim.pages[1].sha256, problem: 'mismatch' }])
  await flipFileByte(a.store, victim.pages[1].sha256, 2500)
  t.same((await verifyArchive({ store: a.store, archiveLog: a.archiveLog })).failures, [], 'flipped back: intact again')

  // A file the log does not vouch for (a thumbnail) is still checked, and named through the pages using it.
  await flipFileByte(a.store, records[2].pages[0].thumbnailSha256!, 7, 0x80)
  t.same((await verifyArchive({ store: a.store, archiveLog: a.archiveLog })).failures, [{ recordId: records[2].record.id, sha256: records[2].pages[0].thumbnailSha256, problem: 'mismatch' }])
  await flipFileByte(a.store, records[2].pages[0].thumbnailSha256!, 7, 0x80)

  await rm(a.store.files.path(records[0].record.pdf!.sha256))
  t.same((await verifyArchive({ store: a.store, archiveLog: a.archiveLog })).failures, [{ recordId: records[0].record.id, sha256: records[0].record.pdf!.sha256, problem: 'missing' }], 'a missing file')
})

t.test('every single flipped byte of a stored log value is found and names its record', async t => {
  // Entries as the archiver writes them, each vouching for one small file (kept small: thousands of verifications).
  const a = await openArchive(t)
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const id = newId('r')
    const file = await a.store.files.put(randomBytes(64))
    await a.archiveLog.append({ type: 'record.archived', recordId: id, unit: '622', files: [{ sha256: file.sha256, size: 64, role: 'master' }], data: { record: { id, fields: { issuer: 'UBND XÃ IA DÊR', documentNumber: '12/QĐ-UBND' } } } })
    ids.push(id)
  }
  const raw = rawLogValue(a.store)
  let cases = 0
  const missed: string[] = []
  // Every byte of a middle entry (bit 0), and every 5th byte of the head with another bit.
  for (const [seq, mask, step] of [[2, 0x01, 1], [3, 0x20, 5]] as const) {
    const original = await raw.get(seq)
    for (let at = 0; at < original.byteLength; at += step) {
      const damaged = Buffer.from(original)
      damaged[at] ^= mask
      await raw.put(seq, damaged)
      const { failures } = await verifyArchive({ store: a.store, archiveLog: a.archiveLog })
      cases++
      if (!failures.some(f => f.seq === seq && f.recordId === ids[seq - 1]) || failures.some(f => f.recordId !== ids[seq - 1])) {
        missed.push(`seq ${seq} byte ${at} mask ${mask}: ${JSON.stringify(failures)}`)
      }
    }
    await raw.put(seq, original)
  }
  t.same(missed, [], `all ${cases} single-byte changes found, each naming its own record only`)
  t.same((await verifyArchive({ store: a.store, archiveLog: a.archiveLog })).failures, [], 'restored: intact')
})

t.test('a deleted entry, a re-signed entry and a stranger\'s entry are found', async t => {
  const { a, records } = await seeded(t, 4)
  const raw = rawLogValue(a.store)
  const entry2 = await raw.get(2)
  await raw.del(2)
  let result = await verifyArchive({ store: a.store, archiveLog: a.archiveLog })
  // The gap is named through the index; entry 3 (which chains to the lost entry) is not blamed; the record whose
  // entry is gone is no longer vouched for: its archived state is unlogged.
  t.same(result.failures, [{ recordId: records[1].record.id, seq: 2, problem: 'seq' }, { recordId: records[1].record.id, problem: 'unlogged' }])
  await raw.put(2, entry2)

  // Entry 2 rewritten and re-signed by a key this log never had (a stranger with write access to LevelDB).
  const stranger = await loadOrCreateNodeKey(await tempDir(t, 'sohoa-key-stranger-'))
  const body = (await a.archiveLog.get(2))!.body
  const forged = await sign({ ...body, node: stranger.peerId, data: { record: { id: body.recordId, fields: { issuer: 'FORGED' } } } }, stranger)
  await raw.put(2, Buffer.from(JSON.stringify(forged)))
  result = await verifyArchive({ store: a.store, archiveLog: a.archiveLog })
  t.same(result.failures, [{ recordId: records[1].record.id, seq: 2, problem: 'signer' }, { recordId: records[1].record.id, problem: 'unlogged' }])

  // Same, but keeping our peer ID in the body: the signature fails.
  const forged2 = await sign({ ...body, data: { record: { id: body.recordId } } }, stranger)
  await raw.put(2, Buffer.from(JSON.stringify(forged2)))
  result = await verifyArchive({ store: a.store, archiveLog: a.archiveLog })
  t.same(result.failures, [{ recordId: records[1].record.id, seq: 2, problem: 'signature' }, { recordId: records[1].record.id, problem: 'unlogged' }])

  // Our own key re-signing a changed entry 2 (a stolen key): entry 3's link to the original bytes breaks.
  const resigned = await sign({ ...body, data: { record: { id: body.recordId, changed: true } } }, a.key)
  await raw.put(2, Buffer.from(JSON.stringify(resigned)))
  result = await verifyArchive({ store: a.store, archiveLog: a.archiveLog })
  t.same(result.failures, [{ recordId: records[2].record.id, seq: 3, problem: 'chain' }])
  await raw.put(2, entry2)
  t.same((await verifyArchive({ store: a.store, archiveLog: a.archiveLog })).failures, [])
})

async function sign (body: LogEntryBody, key: { sign: (b: Uint8Array) => Promise<Uint8Array> }): Promise<string> {
  const bodyString = canonicalJson(body)
  return JSON.stringify({ body: bodyString, sig: Buffer.from(await key.sign(Buffer.from(bodyString))).toString('base64') })
}

t.test('records must point only at files their own entries vouch for', async t => {
  const { a, records } = await seeded(t, 2)
  const r = records[0].record
  const other = await a.store.files.put(randomBytes(100))
  await a.store.tx().putRecord({ ...r, pdf: { ...r.pdf!, sha256: other.sha256 } }).commit()
  const unlogged = { ...records[1].record, id: newId('r') }
  await a.store.tx().putRecord(unlogged).commit()
  const { failures } = await verifyArchive({ store: a.store, archiveLog: a.archiveLog })
  t.same(failures.sort((x, y) => (x.recordId ?? '').localeCompare(y.recordId ?? '')), [
    { recordId: r.id, sha256: other.sha256, problem: 'unvouched' },
    { recordId: unlogged.id, problem: 'unlogged' }
  ].sort((x, y) => x.recordId.localeCompare(y.recordId)))
})

t.test('a lawfully deleted record\'s files may be gone', async t => {
  const { a, records } = await seeded(t, 2)
  const gone = records[0]
  await a.archiveLog.append({ type: 'record.deleted', recordId: gone.record.id, data: { reason: 'retention over' } }, tx => {
    tx.putRecord({ ...gone.record, deleted: { at: new Date().toISOString(), by: 'admin', reason: 'retention over' } })
  })
  for (const f of gone.files) await rm(a.store.files.path(f.sha256), { force: true })
  const result = await verifyArchive({ store: a.store, archiveLog: a.archiveLog })
  t.same(result.failures, [])
  t.equal(result.records, 1)
})

t.test('fixity check: one entry in the log, one event per record, failures named', async t => {
  const { a, records } = await seeded(t, 3)
  const first = await checkFixityAndRecord({ store: a.store, archiveLog: a.archiveLog })
  t.same(first.failures, [])
  t.match(first.logged?.body, { type: 'fixity.checked', data: { entries: 3, records: 3, failures: 0, failingRecords: [], agent: 'system' } })
  for (const r of records) {
    const events = (await a.store.listEvents(r.record.id)).filter(e => e.type === 'fixity')
    t.match(events, [{ outcome: 'success', agent: 'system' }], 'one fixity event per record')
  }

  await flipFileByte(a.store, records[2].files.find(f => f.role === 'text')!.sha256, 3)
  const second = await checkFixityAndRecord({ store: a.store, archiveLog: a.archiveLog, agent: 'admin' })
  t.match(second.failures, [{ recordId: records[2].record.id, problem: 'mismatch' }])
  t.equal(second.entries, 4, 'the first check\'s own entry is verified too')
  t.match(second.logged?.body.data, { failures: 1, failingRecords: [records[2].record.id], failingRecordCount: 1 })
  const events = (await a.store.listEvents(records[2].record.id)).filter(e => e.type === 'fixity')
  t.match(events.map(e => e.outcome), ['success', 'failure'])
  t.match(events[1], { agent: 'admin', detail: /mismatch/ })
  t.equal((await a.store.listEvents(records[0].record.id)).filter(e => e.type === 'fixity').length, 2, 'bounded: one event per run')
  await flipFileByte(a.store, records[2].files.find(f => f.role === 'text')!.sha256, 3)

  // A damaged head: nothing may chain onto it; the check still reports and records its events.
  const raw = rawLogValue(a.store)
  const headSeq = (await a.archiveLog.head()).seq
  const head = await raw.get(headSeq)
  const damaged = Buffer.from(head)
  damaged[40] ^= 0x01
  await raw.put(headSeq, damaged)
  await t.rejects(a.archiveLog.append({ type: 'unit.catalogue', data: {} }), { code: 'LOG_ENTRY_INVALID' }, 'append refuses a damaged head')
  const third = await checkFixityAndRecord({ store: a.store, archiveLog: a.archiveLog })
  t.equal(third.logged, null)
  t.match(third.failures, [{ seq: headSeq }])
  t.equal((await a.store.listEvents(records[0].record.id)).filter(e => e.type === 'fixity').length, 3)
})

t.test('a node whose key file was lost keeps verifying: the new key signs from its first entry on', async t => {
  const dir = await tempDir(t, 'sohoa-log-newkey-')
  const a = await openArchive(t, dir)
  await archiveRecord(a)
  await rm(join(dir, 'node.key'))
  const key2 = await loadOrCreateNodeKey(dir)
  t.not(key2.peerId, a.key.peerId)
  const log2 = await ArchiveLog.open(a.store, key2)
  await log2.append({ type: 'unit.catalogue', data: {} })
  t.same((await verifyArchive({ store: a.store, archiveLog: log2 })).failures, [])
  t.same((await log2.signers()).map(s => s.since).sort(), [1, 2])
})

t.test('files are hashed as streams', async t => {
  const dir = await tempDir(t, 'sohoa-hash-')
  const big = randomBytes(9 * 1024 * 1024 + 17)
  await writeFile(join(dir, 'big'), big)
  t.same(await hashFile(join(dir, 'big')), { sha256: createHash('sha256').update(big).digest('hex'), size: big.byteLength })
})

t.test('a verification of a store with no log at all is empty, not an error', async t => {
  const dir = await tempDir(t, 'sohoa-log-empty-')
  const store = await Store.open(dir)
  t.teardown(async () => await store.close())
  const archiveLog = await ArchiveLog.open(store, await loadOrCreateNodeKey(dir))
  t.same(await verifyArchive({ store, archiveLog }), { entries: 0, files: 0, bytes: 0, records: 0, failures: [] })
})
