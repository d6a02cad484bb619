/**
 * The full-text index's persistence: an inverted index in the `index` sublevel. Only this file knows its keys.
 * Terms arrive already folded (lower case, accent-free letters and digits, never `!`); this file knows nothing
 * of language, only of keeping postings, document frequencies and corpus statistics consistent.
 *
 * Key layout inside the sublevel (values are JSON; `!` separates parts, and sorts before every term character):
 *
 * - `layout`                 → number. The version of this layout (INDEX_LAYOUT); an index written by a newer one
 *                              is refused. Layout 2 (fields) reads layout 1 as it is: opening one raises it to 2
 *                              and notes `upgradedFrom`, until a rebuild (`sohoa reindex`) gives every document
 *                              its fields and lookup keys.
 * - `upgradedFrom`           → number. The older layout this index was opened from; deleted by clear().
 * - `stats`                  → IndexStats `{ documents, totalLength, terms }`: N, the sum of document lengths (for
 *                              BM25's average length) and the vocabulary size, written in every document's batch.
 * - `doc!<docId>`            → IndexedDoc `{ length, attrs, indexedAt }`: one per indexed document; loaded into
 *                              memory once (small: filters and BM25 lengths need it for every candidate).
 * - `terms!<docId>`          → string[]: the document's distinct terms, so a re-index or removal finds its postings.
 * - `text!<docId>`           → string: the document's text (NFC), for snippets.
 * - `df!<term>`              → number: how many documents hold the term (deleted at 0).
 * - `post!<term>!<docId>`    → number[]: the term's token positions in the document, ascending. A term's postings
 *                              are one contiguous key range, read with one iterator. Layout 2: positions from
 *                              10,000,000 up are in the document's fields (search/fields.ts says which field).
 *
 * Writes of one document are one LevelDB batch, and writes are serialised inside this class, so N, the total
 * length, the vocabulary size and every df always match the postings (`audit()` recomputes them to prove it).
 */
import { AppError } from '../errors/index.js'
import { KeyedMutex } from './mutex.js'

/** 1: text only. 2: positions in fields too, and attributes with derived lookup keys (a superset of 1). */
export const INDEX_LAYOUT = 2

/** A value a document can be filtered (and later faceted) on. */
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
  terms: number
}

/** What this class needs of a sublevel; `db.sublevel<string, any>('index', { valueEncoding: 'json' })` fits. */
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

export interface DocumentPostings {
  /** NFC text the positions and snippets refer to. */
  text: string
  length: number
  attrs: DocAttrs
  /** term → ascending token positions. */
  postings: Map<string, number[]>
}

type Op = { type: 'put', key: string, value: unknown } | { type: 'del', key: string }

const K = {
  layout: 'layout',
  upgradedFrom: 'upgradedFrom',
  stats: 'stats',
  doc: (id: string) => `doc!${id}`,
  terms: (id: string) => `terms!${id}`,
  text: (id: string) => `text!${id}`,
  df: (term: string) => `df!${term}`,
  post: (term: string, id: string) => `post!${term}!${id}`,
  postPrefix: (term: string) => `post!${term}!`
}

/** The key range of every key that starts with `prefix` (which ends in `!`; `"` is the next character). */
const range = (prefix: string): { gt: string, lt: string } => ({ gt: prefix, lt: prefix.slice(0, -1) + '"' })

const SCAN_BATCH = 1000

/**
 * Posting lists of common terms kept decoded in memory, least recently used out first. A query for words that are
 * in most documents ("giấy phép xây dựng") reads tens of thousands of postings; from LevelDB that is ~1.5 µs
 * each (80–120 ms for four such words over 10,000 documents, measured), from here it is free. Writes update
 * cached lists in place, in the write queue, so a cached list is never stale.
 */
class PostingsCache {
  private readonly lists = new Map<string, Map<string, number[]>>()
  private entries = 0

  constructor (readonly budget: number, readonly minSize: number) {}

  get (term: string): Map<string, number[]> | undefined {
    const list = this.lists.get(term)
    if (list !== undefined) { this.lists.delete(term); this.lists.set(term, list) }
    return list
  }

  /** Keeps a freshly scanned list if it is worth it: rare terms are cheap to read again. */
  offer (term: string, list: Map<string, number[]>): void {
    if (list.size < this.minSize || list.size > this.budget || this.lists.has(term)) return
    this.lists.set(term, list)
    this.entries += list.size
    this.evict()
  }

  set (term: string, docId: string, positions: number[]): void {
    const list = this.lists.get(term)
    if (list === undefined) return
    if (!list.has(docId)) this.entries++
    list.set(docId, positions)
  }

  delete (term: string, docId: string): void {
    if (this.lists.get(term)?.delete(docId) === true) this.entries--
  }

  clear (): void {
    this.lists.clear()
    this.entries = 0
  }

  get size (): { terms: number, postings: number } {
    return { terms: this.lists.size, postings: this.entries }
  }

  evict (): void {
    for (const [term, list] of this.lists) {
      if (this.entries <= this.budget) break
      this.lists.delete(term)
      this.entries -= list.size
    }
  }
}

export interface SearchIndexStoreOptions {
  /**
   * Fsync each document's batch. Off by default: the index is derived data (`sohoa reindex` rebuilds it), and
   * LevelDB has one log, so the pipeline's next synced write (the page's `indexed` stage) makes it durable too.
   */
  sync?: boolean
  /**
   * Postings kept decoded in memory across all cached terms: ~130 bytes each (measured). Default 400,000
   * (~50 MB): the common words of 10,000 documents, which a varied set of 20 queries needed 270,000 of.
   */
  cachedPostings?: number
  /** Only lists at least this long are cached. Default 500. */
  cacheMinList?: number
}

export class SearchIndexStore {
  private readonly writes = new KeyedMutex()
  private docs: Map<string, IndexedDoc> | undefined
  /**
   * One string per document id, shared by every cached posting: an id sliced from a posting key would keep the
   * whole key alive (measured: 156 bytes per cached posting with sliced ids, 132 with shared ones).
   */
  private readonly ids = new Map<string, string>()
  private corpus: IndexStats | undefined
  /** The layout this index was opened from when it was older than INDEX_LAYOUT and not rebuilt since. */
  private upgradedFrom: number | undefined
  private readonly sync: boolean
  private readonly cache: PostingsCache
  /** Counts committed writes: a scan that saw one land while it ran is not cached (it may predate it). */
  private writeSeq = 0

  constructor (private readonly db: IndexSublevel, options: SearchIndexStoreOptions = {}) {
    this.sync = options.sync ?? false
    this.cache = new PostingsCache(options.cachedPostings ?? 400_000, options.cacheMinList ?? 500)
  }

  /** How much the posting cache holds (for metrics). */
  get cached (): { terms: number, postings: number } {
    return this.cache.size
  }

  async stats (): Promise<IndexStats> {
    await this.load()
    return { ...this.corpus! }
  }

  /** True when documents written by an older layout may remain (they lack fields): `sohoa reindex` rebuilds them. */
  async reindexAdvised (): Promise<boolean> {
    await this.load()
    return this.upgradedFrom !== undefined
  }

  /** Every indexed document's length and attributes, by id. Read-only; kept current by this class's writes. */
  async documents (): Promise<ReadonlyMap<string, IndexedDoc>> {
    await this.load()
    return this.docs!
  }

  async documentFrequencies (terms: string[]): Promise<number[]> {
    if (terms.length === 0) return []
    const values = await this.read(async () => await this.db.getMany(terms.map(K.df)))
    return values.map(v => typeof v === 'number' ? v : 0)
  }

  /**
   * All postings of one term: docId → positions. The map may be shared with the cache and change under a later
   * write: read it, never modify it, and expect a document to vanish from it between awaits.
   */
  async scanPostings (term: string): Promise<ReadonlyMap<string, readonly number[]>> {
    const cached = this.cache.get(term)
    if (cached !== undefined) return cached
    const prefix = K.postPrefix(term)
    const out = new Map<string, number[]>()
    const seq = this.writeSeq
    await this.each(range(prefix), (key, positions) => {
      const id = key.slice(prefix.length)
      out.set(this.ids.get(id) ?? id, positions)
    })
    if (seq === this.writeSeq) this.cache.offer(term, out)
    return out
  }

  /** The postings of one term in the given documents only (point reads: cheaper than a scan for a few docs). */
  async postingsIn (term: string, docIds: string[]): Promise<ReadonlyMap<string, readonly number[]>> {
    const cached = this.cache.get(term)
    if (cached !== undefined) return cached
    const out = new Map<string, number[]>()
    if (docIds.length === 0) return out
    const values = await this.read(async () => await this.db.getMany(docIds.map(id => K.post(term, id))))
    for (let i = 0; i < docIds.length; i++) if (values[i] !== undefined) out.set(docIds[i], values[i])
    return out
  }

  /**
   * Fills the posting cache with the most frequent terms' lists, most frequent first, up to its budget: run it
   * in the background after start so the first queries for common words do not wait on LevelDB.
   */
  async warmUp (): Promise<{ terms: number, postings: number }> {
    await this.load()
    const frequent: Array<{ term: string, df: number }> = []
    await this.each(range('df!'), (key, df) => { if (df >= this.cache.minSize) frequent.push({ term: key.slice(3), df }) })
    frequent.sort((a, b) => b.df - a.df)
    let planned = 0
    for (const { term, df } of frequent) {
      if (planned + df > this.cache.budget) break
      planned += df
      await this.scanPostings(term)
    }
    return this.cache.size
  }

  async texts (docIds: string[]): Promise<Array<string | undefined>> {
    if (docIds.length === 0) return []
    return await this.read(async () => await this.db.getMany(docIds.map(K.text)))
  }

  /** Replaces a document's postings, attributes and text in one batch, keeping the statistics exact. Idempotent. */
  async replace (docId: string, doc: DocumentPostings): Promise<void> {
    await this.write(async () => {
      const docs = this.docs!
      const old = docs.get(docId)
      const oldTerms: string[] = old !== undefined ? (await this.db.get(K.terms(docId))) ?? [] : []
      const newTerms = [...doc.postings.keys()]
      const oldSet = new Set(oldTerms)
      const added = newTerms.filter(t => !oldSet.has(t))
      const removed = oldTerms.filter(t => !doc.postings.has(t))
      const ops: Op[] = []
      const next = { ...this.corpus! }
      await this.adjustDf(ops, next, added, +1)
      await this.adjustDf(ops, next, removed, -1)
      for (const term of removed) ops.push({ type: 'del', key: K.post(term, docId) })
      for (const [term, positions] of doc.postings) ops.push({ type: 'put', key: K.post(term, docId), value: positions })
      const meta: IndexedDoc = { length: doc.length, attrs: doc.attrs, indexedAt: new Date().toISOString() }
      ops.push({ type: 'put', key: K.doc(docId), value: meta })
      ops.push({ type: 'put', key: K.terms(docId), value: newTerms })
      ops.push({ type: 'put', key: K.text(docId), value: doc.text })
      if (old === undefined) next.documents += 1
      next.totalLength += doc.length - (old?.length ?? 0)
      ops.push({ type: 'put', key: K.stats, value: next })
      await this.commit(ops)
      if (!this.ids.has(docId)) this.ids.set(docId, docId)
      const id = this.ids.get(docId)!
      for (const term of removed) this.cache.delete(term, id)
      for (const [term, positions] of doc.postings) this.cache.set(term, id, positions)
      this.cache.evict()
      docs.set(id, meta)
      this.corpus = next
    })
  }

  /** Removes a document; false when it was not indexed. Idempotent. */
  async remove (docId: string): Promise<boolean> {
    return await this.write(async () => {
      const old = this.docs!.get(docId)
      if (old === undefined) return false
      const oldTerms: string[] = (await this.db.get(K.terms(docId))) ?? []
      const ops: Op[] = []
      const next = { ...this.corpus! }
      await this.adjustDf(ops, next, oldTerms, -1)
      for (const term of oldTerms) ops.push({ type: 'del', key: K.post(term, docId) })
      ops.push({ type: 'del', key: K.doc(docId) }, { type: 'del', key: K.terms(docId) }, { type: 'del', key: K.text(docId) })
      next.documents -= 1
      next.totalLength -= old.length
      ops.push({ type: 'put', key: K.stats, value: next })
      await this.commit(ops)
      for (const term of oldTerms) this.cache.delete(term, docId)
      this.docs!.delete(docId)
      this.ids.delete(docId)
      this.corpus = next
      return true
    })
  }

  /** Empties the index (for `sohoa reindex`). */
  async clear (): Promise<void> {
    await this.writes.run('index', async () => {
      this.cache.clear()
      this.ids.clear()
      this.writeSeq++
      try {
        await this.db.clear()
        await this.commit([{ type: 'put', key: K.layout, value: INDEX_LAYOUT }])
      } catch (err) {
        // Part of the index may be gone: reload from disk on next use.
        this.docs = undefined
        this.corpus = undefined
        throw new AppError('STORAGE_FAILED', undefined, err)
      }
      this.docs = new Map()
      this.corpus = { documents: 0, totalLength: 0, terms: 0 }
      this.upgradedFrom = undefined
    })
  }

  /**
   * Recomputes the statistics and every df from the postings themselves and lists any disagreement with the stored
   * ones. Reads the whole index: for tests and diagnostics, not for request paths.
   */
  async audit (): Promise<{ derived: IndexStats, problems: string[] }> {
    return await this.write(async () => {
      const problems: string[] = []
      const counted = new Map<string, number>()
      const stored = new Map<string, number>()
      const postedDocs = new Set<string>()
      await this.each({}, (key, value) => {
        if (key.startsWith('df!')) stored.set(key.slice(3), value)
        else if (key.startsWith('post!')) {
          const sep = key.indexOf('!', 5)
          const term = key.slice(5, sep)
          counted.set(term, (counted.get(term) ?? 0) + 1)
          postedDocs.add(key.slice(sep + 1))
        }
      })
      for (const [term, n] of counted) if (stored.get(term) !== n) problems.push(`df of ${term}: stored ${stored.get(term)}, postings ${n}`)
      for (const [term, n] of stored) if (!counted.has(term)) problems.push(`df of ${term}: stored ${n}, no postings`)
      for (const docId of postedDocs) if (!this.docs!.has(docId)) problems.push(`postings of unknown document ${docId}`)
      let totalLength = 0
      for (const doc of this.docs!.values()) totalLength += doc.length
      const derived = { documents: this.docs!.size, totalLength, terms: counted.size }
      const s = this.corpus!
      if (s.documents !== derived.documents || s.totalLength !== derived.totalLength || s.terms !== derived.terms) {
        problems.push(`stats stored ${JSON.stringify(s)}, derived ${JSON.stringify(derived)}`)
      }
      return { derived, problems }
    })
  }

  /** Reads df of `terms`, moves each by `delta`, queues the writes and keeps the vocabulary size. */
  private async adjustDf (ops: Op[], stats: IndexStats, terms: string[], delta: 1 | -1): Promise<void> {
    if (terms.length === 0) return
    const values = await this.db.getMany(terms.map(K.df))
    for (let i = 0; i < terms.length; i++) {
      const before = typeof values[i] === 'number' ? values[i] as number : 0
      const after = Math.max(0, before + delta)
      if (before === 0 && after > 0) stats.terms += 1
      if (before > 0 && after === 0) stats.terms -= 1
      ops.push(after === 0 ? { type: 'del', key: K.df(terms[i]) } : { type: 'put', key: K.df(terms[i]), value: after })
    }
  }

  private async commit (ops: Op[]): Promise<void> {
    // No options object unless syncing: abstract-level copies batch options into every operation, and with
    // `{ sync: false }` a 250-operation batch measured 3.5 ms instead of 0.7 ms (classic-level 3, Node 20).
    try {
      await (this.sync ? this.db.batch(ops, { sync: true }) : this.db.batch(ops))
    } finally {
      this.writeSeq++
    }
  }

  /**
   * Runs one write at a time, after the in-memory tables are loaded. The tables change only after the batch
   * is written, so a failed write leaves memory and disk as they were.
   */
  private async write<T> (fn: () => Promise<T>): Promise<T> {
    await this.load()
    return await this.writes.run('index', async () => await this.read(fn))
  }

  /** LevelDB's errors become the catalogue's STORAGE_FAILED (with the cause kept). */
  private async read<T> (fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof AppError) throw err
      throw new AppError('STORAGE_FAILED', undefined, err)
    }
  }

  /** Calls `fn` on every entry of a key range, in key order, a batch of entries per LevelDB round trip. */
  private async each (bounds: { gt?: string, lt?: string }, fn: (key: string, value: any) => void): Promise<void> {
    await this.read(async () => {
      const it = this.db.iterator(bounds)
      try {
        for (let entries = await it.nextv(SCAN_BATCH); entries.length > 0; entries = await it.nextv(SCAN_BATCH)) {
          for (const [key, value] of entries) fn(key, value)
        }
      } finally {
        await it.close()
      }
    })
  }

  /** Loads the document table and the statistics once, in the write queue so no write lands half-seen. */
  private async load (): Promise<void> {
    if (this.docs !== undefined) return
    await this.writes.run('index', async () => {
      if (this.docs !== undefined) return
      await this.read(async () => {
        const layout = await this.db.get(K.layout)
        if (typeof layout === 'number' && layout > INDEX_LAYOUT) {
          throw new AppError('CONFIG_INVALID', { problems: [`search index layout ${layout} is newer than this sohoa (${INDEX_LAYOUT})`] })
        }
        const docs = new Map<string, IndexedDoc>()
        await this.each(range('doc!'), (key, doc) => {
          const id = key.slice(4)
          docs.set(id, doc)
          this.ids.set(id, id)
        })
        const stats: IndexStats | undefined = await this.db.get(K.stats)
        if (layout === undefined) {
          await this.commit([{ type: 'put', key: K.layout, value: INDEX_LAYOUT }])
        } else if (layout < INDEX_LAYOUT && docs.size === 0) {
          await this.commit([{ type: 'put', key: K.layout, value: INDEX_LAYOUT }])
        } else if (layout < INDEX_LAYOUT) {
          // Readable as it is; raised at once so an older sohoa refuses it rather than misread field positions.
          await this.commit([{ type: 'put', key: K.layout, value: INDEX_LAYOUT }, { type: 'put', key: K.upgradedFrom, value: layout }])
          this.upgradedFrom = layout
        } else {
          this.upgradedFrom = (await this.db.get(K.upgradedFrom)) ?? undefined
        }
        // N and the total length follow from the document table; trust it if they disagree (an interrupted clear()).
        let totalLength = 0
        for (const doc of docs.values()) totalLength += doc.length
        this.corpus = { documents: docs.size, totalLength, terms: stats?.terms ?? 0 }
        this.docs = docs
      })
    })
  }
}
