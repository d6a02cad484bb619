/**
 * The province's side of both protocols. Replication: check every entry (signature, chain, signer) before
 * anything else, fetch the files it lacks, verify their hashes, commit, and only then acknowledge. The first entry
 * that fails is refused, the replica halts there (until an admin resumes it) and the district is told why.
 * Restore: serve a district's own replica back to it, files through the same chunked transfer: only files that the
 * entries just served to it reference (the store is shared by every district; a hash alone proves nothing, since
 * hashes are printed on the public verification page), and nothing about other files, not even their size.
 */
import { createHash } from 'node:crypto'
import type { DistrictPeer, EntryFailure, ReplicaSink, StoredEntry } from './types.js'
import { fetchFiles, sendFiles } from './file-transfer.js'
import { BATCH_BYTES, BATCH_ENTRIES, checkWanted, decodeEntries, encodeEntries, isPosition, PROTOCOL_VERSION } from './protocol.js'
import type { TokenBucket } from './token-bucket.js'
import { frameSize, ProtocolError, type Channel } from './wire.js'
import type { Logger } from './logger.js'

export interface ProvinceContext {
  sink: ReplicaSink
  logger: Logger
  onPayload?: (bytes: number) => void
  onFailure?: (peer: DistrictPeer, failure: EntryFailure) => void
}

/** One replication session with a registered district (the gater already proved its peer ID). */
export async function serveReplication (ch: Channel, peer: DistrictPeer, ctx: ProvinceContext): Promise<void> {
  const { sink, logger } = ctx
  const replica = peer.replica
  const { header: hello } = await ch.expect<Record<string, any>>()
  if (hello.t !== 'hello' || hello.v !== PROTOCOL_VERSION) {
    await ch.send({ t: 'refused', problem: `expected hello v${PROTOCOL_VERSION}` })
    return
  }
  const head = Number.isSafeInteger(hello.head) ? hello.head as number : 0
  await sink.noteContact(replica, { head, entries: Number(hello.behind?.entries) || 0, bytes: Number(hello.behind?.bytes) || 0 })
  let position = await sink.position(replica)
  const theirs = (hello.shared ?? {}) as Record<string, number>
  const tables = (await sink.shared()).filter(t => !(Number(theirs[t.name]) >= t.version))
  await ch.send({ t: 'welcome', acked: position.acked, halted: position.halted, tables: tables.length, batchEntries: BATCH_ENTRIES }, tables.length > 0 ? Buffer.from(JSON.stringify(tables)) : undefined)
  if (position.halted) return
  let received = 0

  for (;;) {
    const { header, payload } = await ch.expect<Record<string, any>>()
    if (header.t === 'bye') {
      await sink.noteContact(replica, { head: Number(header.head) || head, entries: 0, bytes: 0, received })
      return
    }
    // A chunk or `sent` outside a transfer is a replay: it changes nothing.
    if (header.t === 'chunk' || header.t === 'sent') continue
    if (header.t !== 'entries') throw new ProtocolError(`unexpected ${String(header.t)} from the district`)
    const entries = decodeEntries(header, payload)
    position = await sink.position(replica)
    if (entries.length === 0) {
      await ch.send({ t: 'ack', seq: position.acked.seq, hash: position.acked.hash })
      continue
    }
    if (entries[0].seq > position.acked.seq + 1) {
      await ch.send({ t: 'resync', acked: position.acked })
      continue
    }
    const t0 = performance.now()
    const checked = await sink.check(replica, entries)
    const t1 = performance.now()
    let failure: EntryFailure | undefined = checked.failure
    const receiver = sink.receiver(replica)
    const fetched = await fetchFiles(ch, receiver, checked.files, {
      onPayload: (n) => { received += n; ctx.onPayload?.(n) },
      // Counts, not the list (hundreds of files a batch); a resumed file is named with its offset.
      onWant: (wants) => { logger.info({ replica, files: wants.length, bytes: wants.reduce((n, w) => n + w.size - w.offset, 0), resumed: wants.filter(w => w.offset > 0).map(w => ({ sha256: w.sha256, offset: w.offset })) }, 'asking the district for files') }
    })
    // One grouped sync for the whole batch's files, before anything that names them commits.
    await receiver.flush()
    for (const f of checked.files) {
      const problem = fetched.mismatched.has(f.sha256)
        ? `file ${f.sha256} does not match its SHA-256`
        : fetched.missing.has(f.sha256) ? `file ${f.sha256} is not held by the district` : undefined
      if (problem && (failure === undefined || f.seq < failure.seq)) failure = { seq: f.seq, problem }
    }
    const t2 = performance.now()
    // Commit the entries whose files are all here and that come before any failure.
    const ready: StoredEntry[] = []
    for (const entry of checked.accepted) {
      if (failure && entry.seq >= failure.seq) break
      const files = checked.files.filter(f => f.seq === entry.seq)
      let whole = true
      for (const f of files) if (!(await receiver.has(f.sha256))) { whole = false; break }
      if (!whole) break
      ready.push(entry)
    }
    const acked = ready.length > 0 ? await sink.commit(replica, ready) : (await sink.position(replica)).acked
    logger.debug({ replica, entries: entries.length, files: checked.files.length, checkMs: Math.round(t1 - t0), filesMs: Math.round(t2 - t1), commitMs: Math.round(performance.now() - t2) }, 'batch stored')
    if (fetched.paused) {
      logger.info({ replica, acked: acked.seq }, 'district paused replication')
      await sink.noteContact(replica, { head, entries: 0, bytes: 0, received })
      return
    }
    if (failure) {
      await sink.halt(replica, failure)
      ctx.onFailure?.(peer, failure)
      logger.warn({ replica, peer: peer.peerId, seq: failure.seq, problem: failure.problem }, 'district entry refused: replication halted')
      await ch.send({ t: 'ack', seq: acked.seq, hash: acked.hash, refuse: failure })
      return
    }
    await ch.send({ t: 'ack', seq: acked.seq, hash: acked.hash })
  }
}

/** Restore: a district takes its replica back. `bucket` is the province's cap. */
export async function serveRestore (ch: Channel, peer: DistrictPeer, ctx: ProvinceContext & { bucket: TokenBucket, shouldContinue: () => boolean }): Promise<void> {
  const { sink } = ctx
  const replica = peer.replica
  const { header: ask } = await ch.expect<Record<string, any>>()
  if (ask.t !== 'restore' || ask.v !== PROTOCOL_VERSION || !isPosition(ask.after)) {
    await ch.send({ t: 'refused', problem: `expected restore v${PROTOCOL_VERSION}` })
    return
  }
  const { acked } = await sink.position(replica)
  if (ask.after.seq > acked.seq) {
    await ch.send({ t: 'refused', problem: `this node has ${ask.after.seq} entries, the province ${acked.seq}` })
    return
  }
  if (ask.after.seq > 0) {
    const [held] = await sink.entries(replica, ask.after.seq, 1)
    if (!held || createHash('sha256').update(held.envelope).digest('hex') !== ask.after.hash) {
      await ch.send({ t: 'refused', problem: `entry ${ask.after.seq} of this node differs from the province's copy` })
      return
    }
  }
  const summary = (await sink.districts()).find(d => d.replica === replica)
  await ch.send({ t: 'restore-head', head: acked, records: summary?.records ?? 0, bytes: summary?.bytes ?? 0 })
  // The files the district may ask for: those of the last batch of its own entries it was sent.
  let servable = new Set<string>()
  for (;;) {
    const frame = await ch.receive<Record<string, any>>(ch.readTimeoutMs * 5)
    if (frame === null || frame.header.t === 'bye') return
    const { header } = frame
    if (header.t === 'get-entries') {
      const from = Number(header.from)
      const limit = Math.min(BATCH_ENTRIES, Math.max(1, Number(header.limit) || BATCH_ENTRIES))
      if (!Number.isSafeInteger(from) || from < 1) throw new ProtocolError('get-entries: bad from')
      const entries = await sink.entries(replica, from, limit)
      const batch: StoredEntry[] = []
      let bytes = 0
      for (const e of entries) {
        if (batch.length > 0 && bytes + e.envelope.byteLength > BATCH_BYTES) break
        batch.push(e)
        bytes += e.envelope.byteLength
      }
      servable = new Set(sink.filesOf(batch))
      if (batch.length === 0) { await ch.send({ t: 'entries', first: from, sizes: [] }); continue }
      const { header: h, payload } = encodeEntries(batch)
      await ctx.bucket.take(frameSize(h as unknown as Record<string, unknown> & { t: string }, payload.byteLength))
      await ch.send(h as unknown as Record<string, unknown> & { t: string }, payload)
      continue
    }
    if (header.t === 'want') {
      const sent = await sendFiles(ch, sink, checkWanted(header.files), { bucket: ctx.bucket, shouldContinue: ctx.shouldContinue, onPayload: ctx.onPayload, may: (sha) => servable.has(sha) })
      if (sent === 'paused') { await ch.send({ t: 'bye', paused: true }); return }
      continue
    }
    throw new ProtocolError(`unexpected ${String(header.t)} during restore`)
  }
}
