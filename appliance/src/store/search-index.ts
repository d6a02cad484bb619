/**
 * The full-text index's persistence and in-memory structure: a segment index. Only this file knows its keys.
 * Terms arrive already folded (search/ knows language; this file knows postings, segments and a document table).
 *
 * Documents get an ordinal (increasing; a re-indexed document gets a new one and its old one dies). Recent documents
 * are in the **memtable** (in memory, and each one durable as its own `o!` entry). Every `freezeDocs` documents the
 * memtable becomes an immutable **segment**: per term, one postings blob (ordinals, term frequency and "in a field"
 * flag) and one positions blob (read only for phrases, adjacency and the fields of the hits shown). A query reads
 * one blob per (term, segment): the cost grows with the lists it reads, not with one LevelDB key per posting as
 * layout 2 did (733 records/s to build, 894 ms p99 at 100,000 records). Segments are merged in tiers of
 * MERGE_FACTOR, dropping dead documents.
 *
 * The in-memory **document table** holds, per ordinal: id, length, live flag, creation time, and dictionary codes
 * of the filter/facet columns (COLUMNS). Everything else about a document (all attributes, text) is read from
 * LevelDB for the hits shown. About 120 bytes per document plus the decoded-postings cache (bounded).
 *
 * Keys, sublevel `index` (JSON values):
 * - `layout` → INDEX_LAYOUT (3). An older index is emptied on open, and reindexAdvised() says so until rebuilt.
 * - `upgradedFrom` → the older layout found (deleted by clear()).
 * - `segs` → `{ nextSeg, segments: SegmentMeta[] }`: the live segments, written after their blobs.
 * - `doc!<id>` → `{ ord, length, attrs, indexedAt }`.
 * - `text!<id>` → NFC text (snippets).
 * - `o!<ord, 10 digits>` → id: a memtable document (made again by the analyzer at start; deleted at freeze).
 * - `x!<ord, 10 digits>` → 1: a frozen document that died (re-indexed or removed); deleted when a merge drops it.
 * Sublevel `searchseg` (binary values):
 * - `p!<seg, 6 digits>!<term>` → postings: varint n, n varint ordinal deltas, n code bytes (tf ≤ 127 << 1 | field).
 * - `q!<seg>!<term>` → positions: u32 block offsets (one per 64 postings), then per posting varint count + deltas.
 * - `d!<seg>` → JSON rows `[id, length, created, columns]` per ordinal of the segment (null: dead).
 *
 * Writes are serialised here; a document's write is one batch (`doc!`, `text!`, `o!` and the old ordinal's `o!`
 * deleted or `x!` written), so after a crash the index holds each document once, as last written.
 */
import { AppError } from '../errors/index.js'
import { KeyedMutex } from './mutex.js'

/** 1: text only. 2: fields and lookup keys, one LevelDB key per posting. 3: segments. */
export const INDEX_LAYOUT = 3

export type AttrValue = string | number | boolean | null
export type DocAttrs = Record<string, AttrValue | AttrValue[]>

export interface IndexedDoc {
  /** Number of tokens. */
  length: number
  attrs: DocAttrs
  indexedAt: string
}

export interface IndexStats {
  documents: number
  totalLength: number
  /** Distinct terms: exact while everything is in the memtable or one segment; an upper bound otherwise. */
  terms: number
}

/** The attributes kept in memory for filters and facets, as dictionary codes. */
export const COLUMNS = ['unit', 'documentType', 'status', 'validity', 'issuedDate', 'replica'] as const
export type ColumnName = typeof COLUMNS[number]

export interface IndexSublevel {
  get: (key: string) => Promise<any>
  getMany: (keys: string[]) => Promise<any[]>
  batch: (operations: Array<{ type: 'put', key: string, value: any } | { type: 'del', key: string }>, options?: { sync?: boolean }) => Promise<void>
  iterator: (options: { gt?: string, lt?: string }) => {
    nextv: (size: number) => Promise<Array<[string, any]>>
    close: () => Promise<void>
  }
  clear: () => Promise<void>
}

/** One term in one document: its code (search/ decides: tf and a field flag) and ascending positions. */
export interface Posting { code: number, positions: number[] }

export interface DocumentPostings {
  /** NFC text the positions and snippets refer to. */
  text: string
  length: number
  attrs: DocAttrs
  /**
   * term → code and positions; older callers may give the positions alone (code = tf). With `coded`, the values
   * are `[code, positions]` tuples, kept as they are (no copy: bulk builds allocate enough).
   */
  postings: Map<string, Posting | number[]> | Map<string, [number, number[]]>
  coded?: boolean
  /** Exact-lookup terms (no positions, not in the vocabulary count). */
  keys?: string[]
  /** What the analyzer needs besides text and attributes to make the postings again (kept in `doc!`). */
  source?: unknown
}

/** Makes a document's postings again from what was stored (the memtable is rebuilt with it at start). */
export type Analyzer = (text: string, attrs: DocAttrs, source: unknown) => Pick<DocumentPostings, 'postings' | 'keys' | 'length' | 'coded'>

function codedOf (doc: Pick<DocumentPostings, 'postings' | 'coded'>): Map<string, [number, number[]]> {
  if (doc.coded === true) return doc.postings as Map<string, [number, number[]]>
  const terms = new Map<string, [number, number[]]>()
  for (const [term, p] of doc.postings as Map<string, Posting | number[]>) terms.set(term, Array.isArray(p) ? [Math.min(127, p.length) << 1, p] : [p.code, p.positions])
  return terms
}

/** One term's postings in one segment (or the memtable): ascending ordinals and their codes. */
export interface Part {
  seg: number
  term: string
  ords: ArrayLike<number>
  codes: ArrayLike<number>
}

export interface PositionsReader { get: (i: number) => number[] }

export interface SegmentMeta { no: number, from: number, to: number, terms: number, postings: number }

export interface SearchIndexStoreOptions {
  /** Fsync each document's batch. Off by default: the caller's durable job makes index work repeatable. */
  sync?: boolean
  /** The binary sublevel for segment blobs; without it, blobs go base64 into the JSON sublevel (tests). */
  blobs?: IndexSublevel
  /** Memtable documents before it becomes a segment. Default 2,000 (about 30 KB of memory each while there). */
  freezeDocs?: number
  /** Decoded postings kept in memory (5 bytes each). Default 16 million (~80 MB). */
  cachedPostings?: number
  /** Positions blobs kept in memory, bytes. Default 64 MB. */
  cachedPositionBytes?: number
  /** Legacy option (layout 2), ignored. */
  cacheMinList?: number
}

type Op = { type: 'put', key: string, value: unknown } | { type: 'del', key: string }

const MERGE_FACTOR = 8
const BLOCK = 64
const SCAN_BATCH = 1000
const pad10 = (n: number): string => String(n).padStart(10, '0')
const pad6 = (n: number): string => String(n).padStart(6, '0')

const K = {
  layout: 'layout',
  upgradedFrom: 'upgradedFrom',
  segs: 'segs',
  doc: (id: string) => `doc!${id}`,
  text: (id: string) => `text!${id}`,
  mem: (ord: number) => `o!${pad10(ord)}`,
  dead: (ord: number) => `x!${pad10(ord)}`,
  post: (seg: number, term: string) => `p!${pad6(seg)}!${term}`,
  pos: (seg: number, term: string) => `q!${pad6(seg)}!${term}`,
  segDocs: (seg: number) => `d!${pad6(seg)}`,
  segPrefix: (seg: number) => `p!${pad6(seg)}!`
}
const range = (prefix: string): { gt: string, lt: string } => ({ gt: prefix, lt: prefix.slice(0, -1) + '"' })

// ---------------------------------------------------------------- bytes

class Bytes {
  buf: Uint8Array
  n = 0
  /** Most terms are rare: start small (a 1 KB start per list was a good part of a bulk build's garbage). */
  constructor (size = 64) { this.buf = new Uint8Array(size) }
  ensure (k: number): void {
    if (this.n + k <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.n + k) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.n))
    this.buf = next
  }

  varint (v: number): void {
    this.ensure(5)
    while (v >= 0x80) { this.buf[this.n++] = (v & 0x7f) | 0x80; v >>>= 7 }
    this.buf[this.n++] = v
  }

  byte (v: number): void { this.ensure(1); this.buf[this.n++] = v }
  done (): Uint8Array { return this.buf.slice(0, this.n) }
}

function encodePostings (ords: number[], codes: number[]): Uint8Array {
  const b = new Bytes(ords.length * 3 + 8)
  b.varint(ords.length)
  let prev = 0
  for (const o of ords) { b.varint(o - prev); prev = o }
  for (const c of codes) b.byte(c)
  return b.done()
}

function decodePostings (buf: Uint8Array): { ords: Uint32Array, codes: Uint8Array } {
  let p = 0
  const rd = (): number => {
    let v = 0; let shift = 0; let c
    do { c = buf[p++]; v += (c & 0x7f) * 2 ** shift; shift += 7 } while (c >= 0x80)
    return v
  }
  const n = rd()
  const ords = new Uint32Array(n)
  let prev = 0
  for (let i = 0; i < n; i++) {
    let c = buf[p++]
    let v = c & 0x7f
    if (c >= 0x80) {
      let shift = 7
      do { c = buf[p++]; v += (c & 0x7f) * 2 ** shift; shift += 7 } while (c >= 0x80)
    }
    prev += v
    ords[i] = prev
  }
  return { ords, codes: buf.slice(p, p + n) }
}

function encodePositions (lists: number[][]): Uint8Array {
  const blocks = Math.ceil(lists.length / BLOCK)
  const data = new Bytes(lists.length * 6 + 8)
  const offsets = new Uint32Array(blocks)
  lists.forEach((positions, i) => {
    if (i % BLOCK === 0) offsets[i / BLOCK] = data.n
    data.varint(positions.length)
    let prev = 0
    for (const p of positions) { data.varint(p - prev); prev = p }
  })
  const out = new Uint8Array(blocks * 4 + data.n)
  const view = new DataView(out.buffer)
  offsets.forEach((o, i) => view.setUint32(i * 4, o, true))
  out.set(data.buf.subarray(0, data.n), blocks * 4)
  return out
}

function positionsReader (buf: Uint8Array, n: number): PositionsReader {
  const blocks = Math.ceil(n / BLOCK)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const base = blocks * 4
  // Where the last read ended: reads in ascending order (a segment's matches) continue from there.
  let nextI = -1
  let nextP = 0
  return {
    get (i: number): number[] {
      let p: number
      let skip: number
      if (nextI >= 0 && i >= nextI && (i >> 6) === (nextI >> 6)) { p = nextP; skip = i - nextI } else { p = base + view.getUint32((i >> 6) * 4, true); skip = i & (BLOCK - 1) }
      const rd = (): number => {
        let v = 0; let shift = 0; let c
        do { c = buf[p++]; v += (c & 0x7f) * 2 ** shift; shift += 7 } while (c >= 0x80)
        return v
      }
      for (let k = skip; k > 0; k--) { let c = rd(); while (c-- > 0) rd() }
      const count = rd()
      const out = new Array<number>(count)
      let prev = 0
      for (let k = 0; k < count; k++) { prev += rd(); out[k] = prev }
      nextI = i + 1; nextP = p
      return out
    }
  }
}

/** Reads a key range in order, a batch at a time. */
class Cursor {
  private buf: Array<[string, any]> = []
  private at = 0
  private done = false
  private readonly it: ReturnType<IndexSublevel['iterator']>
  constructor (db: IndexSublevel, bounds: { gt: string, lt: string }) { this.it = db.iterator(bounds) }
  async peek (): Promise<[string, any] | undefined> {
    if (this.at < this.buf.length) return this.buf[this.at]
    if (this.done) return undefined
    this.buf = await this.it.nextv(256)
    this.at = 0
    if (this.buf.length === 0) { this.done = true; return undefined }
    return this.buf[0]
  }

  async next (): Promise<[string, any] | undefined> {
    const e = await this.peek()
    if (e !== undefined) this.at++
    return e
  }

  async close (): Promise<void> { await this.it.close() }
}

/** Least recently used out first, by a size the caller gives. */
class Lru<V> {
  private readonly map = new Map<string, { v: V, size: number }>()
  private used = 0
  constructor (private readonly budget: number) {}
  get (k: string): V | undefined {
    const e = this.map.get(k)
    if (e === undefined) return undefined
    this.map.delete(k); this.map.set(k, e)
    return e.v
  }

  set (k: string, v: V, size: number): void {
    if (size > this.budget) return
    const old = this.map.get(k)
    if (old !== undefined) { this.used -= old.size; this.map.delete(k) }
    this.map.set(k, { v, size })
    this.used += size
    for (const [key, e] of this.map) {
      if (this.used <= this.budget) break
      this.map.delete(key); this.used -= e.size
    }
  }

  clear (): void { this.map.clear(); this.used = 0 }
  get size (): { entries: number, used: number } { return { entries: this.map.size, used: this.used } }
}

// ---------------------------------------------------------------- document table

/** A column's values by dictionary code (0: none). `values[code]` is the stored value (a string or a list). */
export class Column {
  readonly values: Array<AttrValue | AttrValue[] | undefined> = [undefined]
  private readonly codes = new Map<string, number>()
  codeOf (value: AttrValue | AttrValue[] | undefined): number {
    if (value === undefined) return 0
    const key = JSON.stringify(value)
    let code = this.codes.get(key)
    if (code === undefined) { code = this.values.length; this.values.push(value); this.codes.set(key, code) }
    return code
  }
}

export class DocTable {
  ids: Array<string | undefined> = []
  length = new Uint32Array(1024)
  live = new Uint8Array(1024)
  created = new Float64Array(1024)
  readonly columns = new Map<ColumnName, { column: Column, codes: Uint32Array }>()
  size = 0
  liveCount = 0
  totalLength = 0
  readonly byId = new Map<string, number>()

  constructor () {
    for (const name of COLUMNS) this.columns.set(name, { column: new Column(), codes: new Uint32Array(1024) })
  }

  private grow (ord: number): void {
    if (ord < this.length.length) return
    let cap = this.length.length
    while (cap <= ord) cap *= 2
    const g = <T extends Uint32Array | Uint8Array | Float64Array>(a: T): T => {
      const next = new (a.constructor as any)(cap) as T
      next.set(a as any)
      return next
    }
    this.length = g(this.length); this.live = g(this.live); this.created = g(this.created)
    for (const c of this.columns.values()) c.codes = g(c.codes)
  }

  set (ord: number, id: string, length: number, created: number, cols: Record<string, AttrValue | AttrValue[] | undefined>): void {
    this.grow(ord)
    if (this.live[ord] === 1) this.kill(ord)
    this.ids[ord] = id
    this.length[ord] = length
    this.created[ord] = created
    this.live[ord] = 1
    for (const [name, c] of this.columns) c.codes[ord] = c.column.codeOf(cols[name])
    if (ord >= this.size) this.size = ord + 1
    this.liveCount++
    this.totalLength += length
    this.byId.set(id, ord)
  }

  kill (ord: number): void {
    if (this.live[ord] !== 1) return
    this.live[ord] = 0
    this.liveCount--
    this.totalLength -= this.length[ord]
    const id = this.ids[ord]
    if (id !== undefined && this.byId.get(id) === ord) this.byId.delete(id)
    this.ids[ord] = undefined
  }

  column (name: ColumnName): { column: Column, codes: Uint32Array } { return this.columns.get(name)! }
}

function columnsOf (attrs: DocAttrs): Record<string, AttrValue | AttrValue[] | undefined> {
  const out: Record<string, AttrValue | AttrValue[] | undefined> = {}
  for (const name of COLUMNS) if (attrs[name] !== undefined) out[name] = attrs[name]
  return out
}

/** Newest first: the record's creation time when it has one, else when it was indexed. */
function createdOf (attrs: DocAttrs, indexedAt: string): number {
  const t = typeof attrs.createdAt === 'string' ? Date.parse(attrs.createdAt) : NaN
  return Number.isFinite(t) ? t : Date.parse(indexedAt)
}

interface MemDoc { id: string, length: number, attrs: DocAttrs, indexedAt: string, keys: string[] }

// ---------------------------------------------------------------- the store

export class SearchIndexStore {
  private readonly writes = new KeyedMutex()
  private readonly sync: boolean
  private readonly freezeDocs: number
  private readonly blobs: IndexSublevel
  private readonly base64: boolean
  private table: DocTable | undefined
  private segments: SegmentMeta[] = []
  private nextSeg = 0
  private nextOrd = 0
  private frozenTo = 0
  private upgradedFrom: number | undefined
  /** Memtable: ord → document; term → ords (ascending; dead ones skipped at read); term → live count. */
  private mem = new Map<number, MemDoc>()
  /** The memtable documents' postings by term, for reads. */
  private memTerms = new Map<number, Map<string, [number, number[]]>>()
  private memLists = new Map<string, number[]>()
  private memDf = new Map<string, number>()
  private memVocabulary = 0
  private readonly decoded: Lru<{ ords: Uint32Array, codes: Uint8Array } | null>
  private readonly positionsCache: Lru<Uint8Array | null>
  private merging: Promise<void> | undefined
  private analyzer: Analyzer | undefined

  /** The engine's tokenisation, for rebuilding the memtable from stored documents. */
  setAnalyzer (analyzer: Analyzer): void {
    this.analyzer = analyzer
  }

  constructor (private readonly db: IndexSublevel, options: SearchIndexStoreOptions = {}) {
    this.sync = options.sync ?? false
    this.freezeDocs = options.freezeDocs ?? 2_000
    this.blobs = options.blobs ?? db
    this.base64 = options.blobs === undefined
    this.decoded = new Lru(options.cachedPostings ?? 16_000_000)
    this.positionsCache = new Lru(options.cachedPositionBytes ?? 64 * 2 ** 20)
  }

  /** How much the caches hold (for metrics). */
  get cached (): { terms: number, postings: number } {
    const s = this.decoded.size
    return { terms: s.entries, postings: s.used }
  }

  async stats (): Promise<IndexStats> {
    const t = await this.load()
    let terms = this.memVocabulary
    for (const s of this.segments) terms += s.terms
    return { documents: t.liveCount, totalLength: t.totalLength, terms }
  }

  async reindexAdvised (): Promise<boolean> {
    await this.load()
    return this.upgradedFrom !== undefined
  }

  /** The document table (read-only for callers). */
  async docTable (): Promise<DocTable> {
    return await this.load()
  }

  /** Every indexed document (reads all of them: tests and diagnostics only). */
  async documents (): Promise<ReadonlyMap<string, IndexedDoc>> {
    await this.load()
    const out = new Map<string, IndexedDoc>()
    await this.each(range('doc!'), (key, v) => { out.set(key.slice(4), { length: v.length, attrs: v.attrs, indexedAt: v.indexedAt }) })
    return out
  }

  /** The stored attributes of documents by ordinal (for the hits shown and rare attribute filters). */
  async attrsOf (ords: number[]): Promise<Array<DocAttrs | undefined>> {
    const t = await this.load()
    if (ords.length === 0) return []
    const values = await this.read(async () => await this.db.getMany(ords.map(o => K.doc(t.ids[o] ?? '\u0000'))))
    return values.map((v, i) => v !== undefined && v.ord === ords[i] ? v.attrs : undefined)
  }

  async texts (docIds: string[]): Promise<Array<string | undefined>> {
    if (docIds.length === 0) return []
    return await this.read(async () => await this.db.getMany(docIds.map(K.text)))
  }

  /** Documents holding each term (the dead not yet merged away included for frozen segments, like Lucene). */
  async documentFrequencies (terms: string[]): Promise<number[]> {
    const lists = await this.lists(terms)
    return lists.map((parts, i) => parts.reduce((n, p) => n + (p.seg < 0 ? this.memDf.get(terms[i]) ?? 0 : p.ords.length), 0))
  }

  /** Per term: its parts, one per segment holding it (the memtable's last, seg -1). */
  async lists (terms: string[]): Promise<Part[][]> {
    await this.load()
    const segs = this.segments
    const out: Part[][] = terms.map(() => [])
    const missing: Array<{ t: number, seg: number, key: string }> = []
    terms.forEach((term, t) => {
      for (const s of segs) {
        const key = K.post(s.no, term)
        const hit = this.decoded.get(key)
        if (hit === null) continue
        if (hit !== undefined) out[t].push({ seg: s.no, term, ...hit })
        else missing.push({ t, seg: s.no, key })
      }
    })
    if (missing.length > 0) {
      const values = await this.read(async () => await this.blobs.getMany(missing.map(m => m.key)))
      missing.forEach((m, i) => {
        const buf = this.blob(values[i])
        const dec = buf === undefined ? null : decodePostings(buf)
        this.decoded.set(m.key, dec, dec === null ? 1 : dec.ords.length * 5 + 64)
        if (dec !== null) out[m.t].push({ seg: m.seg, term: terms[m.t], ...dec })
      })
      for (const parts of out) parts.sort((a, b) => a.seg - b.seg)
    }
    terms.forEach((term, t) => {
      const ords = this.memLists.get(term)
      if (ords === undefined || ords.length === 0) return
      const liveOrds: number[] = []
      const codes: number[] = []
      for (const o of ords) {
        const d = this.memTerms.get(o)
        if (d === undefined) continue
        liveOrds.push(o); codes.push(d.get(term)?.[0] ?? 0)
      }
      if (liveOrds.length > 0) out[t].push({ seg: -1, term, ords: liveOrds, codes })
    })
    return out
  }

  /** The positions of a part's postings (by index in the part). */
  async positions (part: Part): Promise<PositionsReader> {
    if (part.seg < 0) {
      return { get: (i: number) => this.memTerms.get(part.ords[i])?.get(part.term)?.[1] ?? [] }
    }
    const key = K.pos(part.seg, part.term)
    let buf = this.positionsCache.get(key)
    if (buf === undefined) {
      buf = this.blob(await this.read(async () => await this.blobs.get(key))) ?? null
      this.positionsCache.set(key, buf, buf === null ? 1 : buf.byteLength)
    }
    if (buf === null) return { get: () => [] }
    return positionsReader(buf, part.ords.length)
  }

  async warmUp (): Promise<{ terms: number, postings: number }> {
    await this.load()
    return this.cached
  }

  /** Replaces a document (a new ordinal; the old one dies) in one batch. */
  async replace (docId: string, doc: DocumentPostings): Promise<void> {
    await this.replaceMany([{ id: docId, doc }])
  }

  /** Replaces many documents in one batch (bulk builds, reindex): the same as one by one, in order. */
  async replaceMany (items: Array<{ id: string, doc: DocumentPostings }>): Promise<void> {
    await this.write(async () => {
      const t = this.table!
      const ops: Op[] = []
      const indexedAt = new Date().toISOString()
      const planned = new Map<string, number>()
      const landed: Array<{ ord: number, old: number | undefined, d: MemDoc, terms: Map<string, [number, number[]]> }> = []
      let ord = this.nextOrd
      for (const { id, doc } of items) {
        const old = planned.get(id) ?? t.byId.get(id)
        const terms = codedOf(doc)
        const d: MemDoc = { id, length: doc.length, attrs: doc.attrs, indexedAt, keys: [...new Set(doc.keys ?? [])] }
        ops.push(
          { type: 'put', key: K.doc(id), value: { ord, length: doc.length, attrs: doc.attrs, indexedAt, ...(doc.source !== undefined ? { source: doc.source } : {}) } },
          { type: 'put', key: K.text(id), value: doc.text },
          { type: 'put', key: K.mem(ord), value: id }
        )
        if (old !== undefined) ops.push(old >= this.frozenTo ? { type: 'del', key: K.mem(old) } : { type: 'put', key: K.dead(old), value: 1 })
        landed.push({ ord, old, d, terms })
        planned.set(id, ord)
        ord++
      }
      await this.commit(this.db, ops)
      for (const { ord, old, d, terms } of landed) {
        if (old !== undefined) this.forget(old)
        this.remember(ord, d, terms)
      }
      this.nextOrd = ord
      if (this.mem.size >= this.freezeDocs) await this.freeze()
    })
  }

  async remove (docId: string): Promise<boolean> {
    return await this.write(async () => {
      const old = this.table!.byId.get(docId)
      if (old === undefined) return false
      const ops: Op[] = [{ type: 'del', key: K.doc(docId) }, { type: 'del', key: K.text(docId) }]
      ops.push(old >= this.frozenTo ? { type: 'del', key: K.mem(old) } : { type: 'put', key: K.dead(old), value: 1 })
      await this.commit(this.db, ops)
      this.forget(old)
      return true
    })
  }

  /** Writes the memtable as a segment now (bulk builds call it at the end; otherwise it happens by size). */
  async flush (): Promise<void> {
    await this.write(async () => { if (this.mem.size > 0) await this.freeze() })
  }

  async clear (): Promise<void> {
    await this.writes.run('index', async () => {
      if (this.merging !== undefined) await this.merging.catch(() => {})
      this.decoded.clear(); this.positionsCache.clear()
      try {
        await this.db.clear()
        if (this.blobs !== this.db) await this.blobs.clear()
        await this.commit(this.db, [{ type: 'put', key: K.layout, value: INDEX_LAYOUT }])
      } catch (err) {
        this.table = undefined
        throw new AppError('STORAGE_FAILED', undefined, err)
      }
      this.reset()
      this.table = new DocTable()
      this.upgradedFrom = undefined
    })
  }

  /** Recomputes what can be recomputed and lists any disagreement (tests, diagnostics). */
  async audit (): Promise<{ derived: IndexStats, problems: string[] }> {
    return await this.write(async () => {
      const t = this.table!
      const problems: string[] = []
      let documents = 0
      let totalLength = 0
      await this.each(range('doc!'), (key, v) => {
        documents++; totalLength += v.length
        const id = key.slice(4)
        if (t.byId.get(id) !== v.ord || t.live[v.ord] !== 1) problems.push(`document ${id} stored at ${v.ord}, table says ${t.byId.get(id)}`)
      })
      if (documents !== t.liveCount) problems.push(`documents stored ${documents}, live in the table ${t.liveCount}`)
      if (totalLength !== t.totalLength) problems.push(`length stored ${totalLength}, table ${t.totalLength}`)
      const df = new Map<string, number>()
      for (const terms of this.memTerms.values()) for (const term of terms.keys()) df.set(term, (df.get(term) ?? 0) + 1)
      for (const [term, n] of df) if (this.memDf.get(term) !== n) problems.push(`df of ${term}: kept ${this.memDf.get(term)}, postings ${n}`)
      let terms = df.size
      for (const s of this.segments) terms += s.terms
      return { derived: { documents, totalLength, terms }, problems }
    })
  }

  // -------------------------------------------------------------- memtable

  private remember (ord: number, d: MemDoc, terms: Map<string, [number, number[]]>): void {
    this.mem.set(ord, d)
    this.memTerms.set(ord, terms)
    for (const term of terms.keys()) {
      this.pushMem(term, ord)
      const n = (this.memDf.get(term) ?? 0) + 1
      this.memDf.set(term, n)
      if (n === 1) this.memVocabulary++
    }
    for (const key of d.keys) this.pushMem(key, ord)
    this.table!.set(ord, d.id, d.length, createdOf(d.attrs, d.indexedAt), columnsOf(d.attrs))
  }

  private pushMem (term: string, ord: number): void {
    const list = this.memLists.get(term)
    if (list === undefined) this.memLists.set(term, [ord]); else list.push(ord)
  }

  private forget (ord: number): void {
    const d = this.mem.get(ord)
    if (d !== undefined) {
      for (const term of this.memTerms.get(ord)!.keys()) {
        const n = (this.memDf.get(term) ?? 1) - 1
        if (n === 0) { this.memDf.delete(term); this.memVocabulary-- } else this.memDf.set(term, n)
      }
      this.mem.delete(ord)
      this.memTerms.delete(ord)
    }
    this.table!.kill(ord)
  }

  /** The memtable becomes segment `nextSeg`: blobs first, then the `segs` entry that makes them live. */
  private async freeze (): Promise<void> {
    const t = this.table!
    const from = this.frozenTo
    const to = this.nextOrd
    const no = this.nextSeg
    const lists = new Map<string, { ords: number[], codes: number[], positions: number[][] }>()
    const rows: Array<unknown[] | null> = []
    let vocabulary = 0
    let postingsCount = 0
    for (let ord = from; ord < to; ord++) {
      const d = this.mem.get(ord)
      if (d === undefined) { rows.push(null); continue }
      rows.push([d.id, d.length, t.created[ord], columnsOf(d.attrs)])
      const add = (term: string, code: number, positions: number[] | undefined): void => {
        let l = lists.get(term)
        if (l === undefined) {
          l = { ords: [], codes: [], positions: [] }
          lists.set(term, l)
          if (positions !== undefined) vocabulary++
        }
        l.ords.push(ord); l.codes.push(code); l.positions.push(positions ?? [])
        postingsCount++
      }
      const own = this.memTerms.get(ord)!
      for (const [term, [code, positions]] of own) add(term, code, positions)
      for (const key of d.keys) if (!own.has(key)) add(key, 0, undefined)
    }
    let ops: Op[] = [{ type: 'put', key: K.segDocs(no), value: this.pack(new TextEncoder().encode(JSON.stringify(rows))) }]
    for (const [term, l] of lists) {
      ops.push({ type: 'put', key: K.post(no, term), value: this.pack(encodePostings(l.ords, l.codes)) })
      ops.push({ type: 'put', key: K.pos(no, term), value: this.pack(encodePositions(l.positions)) })
      if (ops.length >= 4000) { await this.commit(this.blobs, ops); ops = [] }
    }
    if (ops.length > 0) await this.commit(this.blobs, ops)
    const meta: SegmentMeta = { no, from, to, terms: vocabulary, postings: postingsCount }
    const segments = [...this.segments, meta]
    const done: Op[] = [{ type: 'put', key: K.segs, value: { nextSeg: no + 1, frozenTo: to, segments } }]
    for (const ord of this.mem.keys()) done.push({ type: 'del', key: K.mem(ord) })
    await this.commit(this.db, done, true)
    this.segments = segments
    this.nextSeg = no + 1
    this.frozenTo = to
    this.mem = new Map(); this.memTerms = new Map(); this.memLists = new Map(); this.memDf = new Map(); this.memVocabulary = 0
    this.scheduleMerge()
  }

  // -------------------------------------------------------------- merges

  /** Tiered: MERGE_FACTOR neighbouring segments of about the same size become one, dead documents dropped. */
  private scheduleMerge (): void {
    if (this.merging !== undefined) return
    const pick = this.mergeCandidates()
    if (pick === undefined) return
    this.merging = this.writes.run('index', async () => await this.read(async () => await this.merge(pick)))
      .catch(() => {})
      .finally(() => { this.merging = undefined; this.scheduleMerge() })
  }

  private mergeCandidates (): SegmentMeta[] | undefined {
    const s = this.segments
    for (let i = s.length - MERGE_FACTOR; i >= 0; i--) {
      const run = s.slice(i, i + MERGE_FACTOR)
      const sizes = run.map(m => m.to - m.from)
      if (Math.max(...sizes) <= 4 * Math.min(...sizes)) return run
    }
    return undefined
  }

  private async merge (run: SegmentMeta[]): Promise<void> {
    const t = this.table!
    const no = this.nextSeg
    const from = run[0].from
    const to = run[run.length - 1].to
    const runNos = new Set(run.map(m => m.no))
    if (!this.segments.some(s => runNos.has(s.no))) return
    const rows: Array<unknown[] | null> = []
    for (let ord = from; ord < to; ord++) rows.push(t.live[ord] === 1 ? [t.ids[ord], t.length[ord], t.created[ord], this.rowColumns(ord)] : null)
    let ops: Op[] = [{ type: 'put', key: K.segDocs(no), value: this.pack(new TextEncoder().encode(JSON.stringify(rows))) }]
    let vocabulary = 0
    let postingsCount = 0
    // A k-way merge by term over each segment's postings and positions, read in key order (no point reads).
    const cursors = run.map(m => ({ m, p: new Cursor(this.blobs, range(K.segPrefix(m.no))), q: new Cursor(this.blobs, range(`q!${pad6(m.no)}!`)) }))
    try {
      const heads = await Promise.all(cursors.map(async c => await c.p.peek()))
      for (;;) {
        let term: string | undefined
        heads.forEach((h, i) => {
          if (h === undefined) return
          const tm = h[0].slice(K.segPrefix(cursors[i].m.no).length)
          if (term === undefined || tm < term) term = tm
        })
        if (term === undefined) break
        const ords: number[] = []
        const codes: number[] = []
        const positions: number[][] = []
        for (let i = 0; i < cursors.length; i++) {
          const h = heads[i]
          if (h === undefined || h[0].slice(K.segPrefix(cursors[i].m.no).length) !== term) continue
          const dec = decodePostings(this.blob(h[1])!)
          const q = await cursors[i].q.next()
          if (q === undefined || q[0].slice(K.segPrefix(cursors[i].m.no).length) !== term) throw new Error(`segment ${cursors[i].m.no}: positions out of step at ${term}`)
          const reader = positionsReader(this.blob(q[1])!, dec.ords.length)
          for (let k = 0; k < dec.ords.length; k++) {
            if (t.live[dec.ords[k]] !== 1) continue
            ords.push(dec.ords[k]); codes.push(dec.codes[k]); positions.push(reader.get(k))
          }
          await cursors[i].p.next()
          heads[i] = await cursors[i].p.peek()
        }
        if (ords.length === 0) continue
        if (term.charCodeAt(0) !== 1) vocabulary++
        postingsCount += ords.length
        ops.push({ type: 'put', key: K.post(no, term), value: this.pack(encodePostings(ords, codes)) })
        ops.push({ type: 'put', key: K.pos(no, term), value: this.pack(encodePositions(positions)) })
        if (ops.length >= 4000) { await this.commit(this.blobs, ops); ops = [] }
      }
    } finally {
      for (const c of cursors) { await c.p.close(); await c.q.close() }
    }
    if (ops.length > 0) await this.commit(this.blobs, ops)
    const meta: SegmentMeta = { no, from, to, terms: vocabulary, postings: postingsCount }
    const segments = this.segments.filter(s => !runNos.has(s.no))
    segments.splice(segments.findIndex(s => s.from > from) < 0 ? segments.length : segments.findIndex(s => s.from > from), 0, meta)
    const done: Op[] = [{ type: 'put', key: K.segs, value: { nextSeg: no + 1, frozenTo: this.frozenTo, segments } }]
    for (let ord = from; ord < to; ord++) if (t.live[ord] !== 1) done.push({ type: 'del', key: K.dead(ord) })
    await this.commit(this.db, done, true)
    this.segments = segments
    this.nextSeg = no + 1
    // The old segments' blobs go after the switch; a crash before leaves orphans that a later clear() removes.
    for (const m of run) {
      const keys: string[] = []
      await this.eachBlob(range(K.segPrefix(m.no)), key => { keys.push(key) })
      const del: Op[] = [{ type: 'del', key: K.segDocs(m.no) }]
      for (const key of keys) del.push({ type: 'del', key }, { type: 'del', key: 'q' + key.slice(1) })
      for (let i = 0; i < del.length; i += 4000) await this.commit(this.blobs, del.slice(i, i + 4000))
    }
    this.decoded.clear(); this.positionsCache.clear()
  }

  private rowColumns (ord: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [name, c] of this.table!.columns) { const v = c.column.values[c.codes[ord]]; if (v !== undefined) out[name] = v }
    return out
  }

  /** Waits for a running merge (tests, bench). */
  async settle (): Promise<void> {
    while (this.merging !== undefined) await this.merging
  }

  get segmentCount (): number { return this.segments.length }

  // -------------------------------------------------------------- plumbing

  private pack (bytes: Uint8Array): unknown {
    return this.base64 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : bytes
  }

  private blob (value: unknown): Uint8Array | undefined {
    if (value === undefined || value === null) return undefined
    if (typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'))
    return value as Uint8Array
  }

  private reset (): void {
    this.segments = []; this.nextSeg = 0; this.nextOrd = 0; this.frozenTo = 0
    this.memTerms = new Map()
    this.mem = new Map(); this.memLists = new Map(); this.memDf = new Map(); this.memVocabulary = 0
  }

  private async commit (db: IndexSublevel, ops: Op[], sync = this.sync): Promise<void> {
    // No options object unless syncing: abstract-level copies batch options into every operation.
    await (sync ? db.batch(ops, { sync: true }) : db.batch(ops))
  }

  private async write<T> (fn: () => Promise<T>): Promise<T> {
    await this.load()
    return await this.writes.run('index', async () => await this.read(fn))
  }

  private async read<T> (fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof AppError) throw err
      throw new AppError('STORAGE_FAILED', undefined, err)
    }
  }

  private async each (bounds: { gt?: string, lt?: string }, fn: (key: string, value: any) => void): Promise<void> {
    await this.scan(this.db, bounds, fn)
  }

  private async eachBlob (bounds: { gt?: string, lt?: string }, fn: (key: string, value: any) => void): Promise<void> {
    await this.scan(this.blobs, bounds, fn)
  }

  private async scan (db: IndexSublevel, bounds: { gt?: string, lt?: string }, fn: (key: string, value: any) => void): Promise<void> {
    await this.read(async () => {
      const it = db.iterator(bounds)
      try {
        for (let entries = await it.nextv(SCAN_BATCH); entries.length > 0; entries = await it.nextv(SCAN_BATCH)) {
          for (const [key, value] of entries) fn(key, value)
        }
      } finally {
        await it.close()
      }
    })
  }

  /** Loads segments' document rows, tombstones and the memtable once, in the write queue. */
  private async load (): Promise<DocTable> {
    if (this.table !== undefined) return this.table
    await this.writes.run('index', async () => {
      if (this.table !== undefined) return
      await this.read(async () => {
        const layout = await this.db.get(K.layout)
        if (typeof layout === 'number' && layout > INDEX_LAYOUT) {
          throw new AppError('CONFIG_INVALID', { problems: [`search index layout ${layout} is newer than this sohoa (${INDEX_LAYOUT})`] })
        }
        this.reset()
        const table = new DocTable()
        if (typeof layout === 'number' && layout < INDEX_LAYOUT) {
          // Layout 2's keys cannot be read as segments: empty it, and advise (node.ts runs) a rebuild.
          const hadDocs = await this.any(range('doc!'))
          await this.db.clear()
          const ops: Op[] = [{ type: 'put', key: K.layout, value: INDEX_LAYOUT }]
          if (hadDocs) ops.push({ type: 'put', key: K.upgradedFrom, value: layout })
          await this.commit(this.db, ops, true)
          this.upgradedFrom = hadDocs ? layout : undefined
          this.table = table
          return
        }
        if (layout === undefined) await this.commit(this.db, [{ type: 'put', key: K.layout, value: INDEX_LAYOUT }])
        this.upgradedFrom = (await this.db.get(K.upgradedFrom)) ?? undefined
        const segs = await this.db.get(K.segs)
        if (segs !== undefined) {
          this.segments = segs.segments; this.nextSeg = segs.nextSeg; this.frozenTo = segs.frozenTo
          for (const s of this.segments) {
            const buf = this.blob(await this.blobs.get(K.segDocs(s.no)))
            const rows: Array<[string, number, number, Record<string, AttrValue>] | null> = buf === undefined ? [] : JSON.parse(new TextDecoder().decode(buf))
            rows.forEach((row, i) => { if (row !== null) table.set(s.from + i, row[0], row[1], row[2], row[3]) })
          }
        }
        this.table = table
        await this.each(range('x!'), key => { table.kill(Number(key.slice(2))) })
        this.nextOrd = this.frozenTo
        const memIds: Array<[number, string]> = []
        await this.each(range('o!'), (key, id: string) => { memIds.push([Number(key.slice(2)), id]) })
        for (let i = 0; i < memIds.length; i += SCAN_BATCH) {
          const chunk = memIds.slice(i, i + SCAN_BATCH)
          const [metas, texts] = await Promise.all([this.db.getMany(chunk.map(([, id]) => K.doc(id))), this.db.getMany(chunk.map(([, id]) => K.text(id)))])
          chunk.forEach(([ord, id], k) => {
            const meta = metas[k]
            if (meta === undefined || meta.ord !== ord || this.analyzer === undefined) return
            const made = this.analyzer(texts[k] ?? '', meta.attrs, meta.source)
            const terms = codedOf(made)
            if (table.byId.has(id)) table.kill(table.byId.get(id)!)
            this.remember(ord, { id, length: made.length, attrs: meta.attrs, indexedAt: meta.indexedAt, keys: [...new Set(made.keys ?? [])] }, terms)
            this.nextOrd = Math.max(this.nextOrd, ord + 1)
          })
        }
      })
    })
    return this.table!
  }

  private async any (bounds: { gt: string, lt: string }): Promise<boolean> {
    const it = this.db.iterator(bounds)
    try { return (await it.nextv(1)).length > 0 } finally { await it.close() }
  }
}
