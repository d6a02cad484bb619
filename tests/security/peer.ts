/**
 * Hostile-peer harness: a district (or a province) that speaks sohoa's sync protocols itself, with its own valid
 * node key, and sends whatever a test wants: crafted log entries, wants for files it should not have, chunks that
 * never finish. Logs are crafted with the real signed log (ArchiveLog) in a data directory, as a district would.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { ArchiveLog, loadOrCreateNodeKey, type LogAppendInput, type NodeKey } from '../../appliance/src/archive/log/index.js'
import { newId, Store } from '../../appliance/src/store/index.js'
import { Channel, createHost, PROTOCOL_VERSION } from '../../sync/src/index.js'

export interface CraftedEntry { seq: number, envelope: Uint8Array }

/** Appends entries to the log in `dataDir` (signed by its node key); `files` are put into its file store first. */
export async function craftLog (dataDir: string, inputs: Array<LogAppendInput & { put?: Buffer[] }>): Promise<{ peerId: string, entries: CraftedEntry[] }> {
  const store = await Store.open(dataDir)
  try {
    const key = await loadOrCreateNodeKey(dataDir)
    const archiveLog = await ArchiveLog.open(store, key)
    for (const input of inputs) {
      for (const bytes of input.put ?? []) await store.files.put(bytes)
      const { put: _put, ...entry } = input
      await archiveLog.append(entry)
    }
    const head = (await archiveLog.head()).seq
    const entries = (await archiveLog.entries(1, head)).map(e => ({ seq: e.seq, envelope: new Uint8Array(e.envelope) }))
    return { peerId: key.peerId, entries }
  } finally {
    await store.close()
  }
}

/** A `record.archived` entry as the archiver writes it, with its files (bytes given or random). */
export function archivedEntry (opts: { unit?: string, recordUnit?: string, id?: string, text?: string, subjectId?: string, master?: Buffer, claim?: number }): LogAppendInput & { put: Buffer[], id: string } {
  const id = opts.id ?? newId('r')
  const master = opts.master ?? randomBytes(4096)
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(1024)])
  const text = Buffer.from(JSON.stringify({ recordId: id, pages: [{ pageId: newId('p'), text: opts.text ?? 'văn bản', confidence: 90, words: [], width: 100, height: 140 }] }))
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
  const now = new Date().toISOString()
  const recordUnit = opts.recordUnit ?? opts.unit
  const files = [
    { sha256: sha(master), size: opts.claim ?? master.byteLength, role: 'master' },
    { sha256: sha(pdf), size: pdf.byteLength, role: 'pdf' },
    { sha256: sha(text), size: text.byteLength, role: 'text' }
  ]
  const record = {
    id, archiveId: `${recordUnit ?? 'x'}.${id}`, ...(recordUnit ? { unit: recordUnit } : {}), batchId: newId('b'), filename: 'scan.jpg',
    fields: { documentType: 'Quyết định', documentNumber: '7/QĐ-UBND', ...(opts.subjectId ? { subjectId: opts.subjectId, subjectName: 'Ksor H\'Hen' } : {}) },
    codes: null, validity: { state: 'valid' }, retention: 'permanent', pageCount: 1, createdAt: now, approvedBy: 'admin', approvedAt: now,
    archivedAt: now, pdf: { sha256: sha(pdf), filename: `${id}.pdf` }, textSha256: sha(text)
  }
  return { type: 'record.archived', recordId: id, ...(opts.unit ? { unit: opts.unit } : {}), files, data: { record }, put: [master, pdf, text], id }
}

/** A libp2p host with a node's own key, dialling `address` (`…/p2p/<peer id>`) for one protocol. */
export async function dialAs (key: NodeKey, address: string, protocol: string): Promise<{ ch: Channel, host: Libp2p }> {
  const target = address.split('/p2p/')[1]
  const host = await createHost({ privateKey: key.privateKey, listen: [], allowInbound: () => false, allowOutbound: (id) => id === target })
  await host.start()
  // libp2p limits inbound connections per address and second: quick successive sessions may need a second try.
  for (let attempt = 1; ; attempt++) {
    try {
      const stream = await host.dialProtocol(multiaddr(address), protocol, { signal: AbortSignal.timeout(10_000) })
      return { ch: new Channel(stream, { readTimeoutMs: 15_000 }), host }
    } catch (err) {
      if (attempt >= 5) { await host.stop(); throw err }
      await new Promise(resolve => setTimeout(resolve, 500 * attempt))
    }
  }
}

/** Sync session opening: hello, then the province's welcome. */
export async function hello (ch: Channel, head: number): Promise<Record<string, any>> {
  await ch.send({ t: 'hello', v: PROTOCOL_VERSION, head, behind: { entries: head, bytes: 0 }, shared: { catalogue: Number.MAX_SAFE_INTEGER, 'result-types': Number.MAX_SAFE_INTEGER } })
  return (await ch.expect<Record<string, any>>()).header
}

export async function sendEntries (ch: Channel, entries: CraftedEntry[]): Promise<void> {
  await ch.send({ t: 'entries', first: entries[0].seq, sizes: entries.map(e => e.envelope.byteLength) }, Buffer.concat(entries.map(e => e.envelope)))
}

export { loadOrCreateNodeKey }
