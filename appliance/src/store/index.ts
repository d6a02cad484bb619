/**
 * The store: one LevelDB (entries) + one content-addressed file store (bytes) per node. The only module that knows
 * LevelDB; everything else uses the typed reads below and `tx()` for atomic, synced writes.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { AppError } from '../errors/index.js'
import { FileStore } from './files.js'
import { idFloor } from './ids.js'
import { eventKey, importKey, LOCKS, META, parseRecordJobKey, receiptKey, recordJobKey, scanBatchKey, scanProfileKey, targetKey, versionKey, SEARCH_SEGMENTS, SUBLEVELS, type MetaName, type SublevelName } from './keys.js'
import { InventoryStore, type InventorySublevel } from './inventory-store.js'
import { ReplicaStore, type ReplicaSublevel } from './replica-store.js'
import { AuditStore, type AuditSublevel } from './audit-store.js'
import { OutboxStore, type OutboxSublevel } from './outbox-store.js'
import { LogStore, logEntryWrites, logSignerWrite, type LogSublevel } from './log-store.js'
import { KeyedMutex } from './mutex.js'
import { checkMigrations, MIGRATIONS, type Migration } from './migrations.js'
import { SearchIndexStore, type IndexSublevel } from './search-index.js'
import { RECORD_STEPS, type Batch, type StoredReceipt, type Job, type LogSigner, type MetaValues, type Page, type PageText, type RecordEntry, type RecordEvent, type RecordStepName, type RecordVersion, type ScanBatchMeta, type ScanProfile, type Session, type Target, type Token, type Unit, type User } from './types.js'

export * from './types.js'
export { FileStore } from './files.js'
export { syncDir, writeFileAtomic, type AtomicWriteOptions } from './atomic-write.js'
export { newId, isId } from './ids.js'
export { SearchIndexStore } from './search-index.js'
export { InventoryStore, InventoryTx } from './inventory-store.js'
export { ReplicaStore } from './replica-store.js'
export { AuditStore, newAuditId, subjectKeyOf, type AuditQuery } from './audit-store.js'
export { OutboxStore } from './outbox-store.js'
export { LogStore, type LogRow } from './log-store.js'
export type * from './search-index.js'
export { COLUMNS } from './search-index.js'
export { MIGRATIONS, LAYOUT_VERSION, type Migration, type MigrationWrite } from './migrations.js'

export type Sub = ReturnType<Level<string, any>['sublevel']>
type Op = { type: 'put', sublevel: Sub, key: string, value: unknown } | { type: 'del', sublevel: Sub, key: string }

/** Collects writes across kinds and commits them as one atomic LevelDB batch, fsynced before it resolves. */
export class Tx {
  private readonly ops: Op[] = []
  private jobs = 0
  constructor (private readonly store: Store) {}

  private put (name: SublevelName, key: string, value: unknown): this {
    this.ops.push({ type: 'put', sublevel: this.store.sub(name), key, value })
    return this
  }

  private del (name: SublevelName, key: string): this {
    this.ops.push({ type: 'del', sublevel: this.store.sub(name), key })
    return this
  }

  putUnit (u: Unit): this { return this.put('units', u.code, u) }
  putBatch (b: Batch): this { return this.put('batches', b.id, b) }
  /**
   * A record's change carries its `index` step in the same batch: after a crash the job is there exactly when the
   * change is, and the record step runner (pipeline/record-steps.ts) brings the index up to it.
   */
  putRecord (r: RecordEntry): this { return this.put('records', r.id, r).putRecordJob('index', r.id) }
  /** A record step due for `subject` (a batch id for `segment`, else a record id), committed with the change that needs it. */
  putRecordJob (step: RecordStepName, subject: string): this {
    this.jobs++
    return this.put('recordjobs', recordJobKey(step, subject), { step, subject, at: new Date().toISOString() })
  }

  /** Record jobs done (keys as `Store.listRecordJobs` gave them), deleted in the batch of the step's own writes. */
  delRecordJobs (keys: string[]): this {
    for (const key of keys) this.del('recordjobs', key)
    return this
  }
  putPage (p: Page): this { return this.put('pages', p.id, p) }
  putPageText (pageId: string, t: PageText): this { return this.put('ocr', pageId, t) }
  putJob (j: Job): this { return this.put('jobs', j.id, j) }
  delJob (id: string): this { return this.del('jobs', id) }
  putImport (unit: string, sha256: string, recordId: string): this { return this.put('imports', importKey(unit, sha256), recordId) }
  putReceipt (principal: string, key: string, r: StoredReceipt): this { return this.put('receipts', receiptKey(principal, key), r) }
  putUser (u: User): this { return this.put('users', u.username, u) }
  putToken (t: Token): this { return this.put('tokens', t.hash, t) }
  putSession (s: Session): this { return this.put('sessions', s.hash, s) }
  delSession (hash: string): this { return this.del('sessions', hash) }
  /** One of the node-wide facts named in `META` (keys.ts), with its value type from `MetaValues`. */
  putMeta<K extends MetaName> (name: K, value: MetaValues[K]): this { return this.put('meta', META[name], value) }
  delMeta (name: MetaName): this { return this.del('meta', META[name]) }
  /** In the batch that makes files unreferenced (a lawful deletion): the next open sweeps if their removal was cut. */
  markFilesSweep (): this { return this.putMeta('filesSweepPending', true) }
  clearFilesSweep (): this { return this.delMeta('filesSweepPending') }
  putScanProfile (scannerId: string, p: ScanProfile): this { return this.put('meta', scanProfileKey(scannerId), p) }
  putScanBatch (batchId: string, m: ScanBatchMeta): this { return this.put('meta', scanBatchKey(batchId), m) }
  putEvent (e: RecordEvent): this { return this.put('events', eventKey(e.recordId, e.id), e) }
  delPageText (pageId: string): this { return this.del('ocr', pageId) }
  putVersion (v: RecordVersion): this { return this.put('versions', versionKey(v.recordId, v.version), v) }
  putTarget (t: Target): this { return this.put('targets', targetKey(t.unit, t.year), t) }
  /** One archive log entry (`envelope`: its bytes as UTF-8 text) and its index keys; only archive/log writes these. */
  putLogEntry (entry: { seq: number, envelope: string, recordId?: string }): this {
    for (const w of logEntryWrites(entry)) this.put(w.sublevel, w.key, w.value)
    return this
  }

  putLogSigner (signer: LogSigner): this {
    const w = logSignerWrite(signer)
    return this.put(w.sublevel, w.key, w.value)
  }

  /** Takes over another transaction's writes, so two modules' changes commit as one batch. */
  include (other: Tx): this {
    this.ops.push(...other.ops)
    this.jobs += other.jobs
    return this
  }

  get size (): number { return this.ops.length }

  async commit (): Promise<void> {
    if (this.ops.length === 0) return
    try {
      await this.store.db.batch(this.ops as any, { sync: true })
    } catch (err) {
      throw new AppError('STORAGE_FAILED', undefined, err)
    }
    if (this.jobs > 0) this.store.recordJobsWritten()
  }
}

export class Store {
  readonly db: Level<string, any>
  readonly files: FileStore
  /** The full-text index's persistence (its keys live in `search-index.ts`). */
  readonly searchIndex: SearchIndexStore
  /** Boxes and files of the paper holdings (its keys live in `inventory-store.ts`). */
  readonly inventory: InventoryStore
  /** Province: the districts' replicas (its keys live in `replica-store.ts`). */
  readonly replicas: ReplicaStore
  /** The signed archive log's entries and indexes (its keys live in `log-store.ts`). */
  readonly archiveLog: LogStore
  /** The audit trail of result lookups by personal ID (its keys live in `audit-store.ts`). */
  readonly audit: AuditStore
  /** The outbox's cursors and dead letters (its keys live in `outbox-store.ts`). */
  readonly outbox: OutboxStore
  readonly dataDir: string
  private readonly subs = new Map<SublevelName, Sub>()
  private readonly mutex = new KeyedMutex()
  private readonly jobListeners = new Set<() => void>()

  private constructor (dataDir: string) {
    this.dataDir = dataDir
    this.db = new Level<string, any>(join(dataDir, 'db'), { valueEncoding: 'json' })
    this.files = new FileStore(join(dataDir, 'files'))
    for (const name of SUBLEVELS) this.subs.set(name, this.db.sublevel<string, any>(name, { valueEncoding: 'json' }) as unknown as Sub)
    // Segment blobs are binary: a sublevel of their own with 'view' values (the JSON sublevels cannot hold bytes).
    this.searchIndex = new SearchIndexStore(this.subs.get('index') as unknown as IndexSublevel, {
      blobs: this.db.sublevel<string, Uint8Array>(SEARCH_SEGMENTS, { valueEncoding: 'view' }) as unknown as IndexSublevel
    })
    this.inventory = new InventoryStore(this.subs.get('inventory') as unknown as InventorySublevel)
    this.replicas = new ReplicaStore(this.subs.get('replicas') as unknown as ReplicaSublevel)
    this.archiveLog = new LogStore(this.subs.get('log') as unknown as LogSublevel, this.subs.get('logindex') as unknown as LogSublevel)
    this.audit = new AuditStore(this.subs.get('audit') as unknown as AuditSublevel)
    this.outbox = new OutboxStore(this.subs.get('outbox') as unknown as OutboxSublevel)
  }

  /** `migrations`: the layout's migrations (tests add their own to the real ones). */
  static async open (dataDir: string, opts: { migrations?: readonly Migration[] } = {}): Promise<Store> {
    const migrations = opts.migrations ?? MIGRATIONS
    checkMigrations(migrations)
    await mkdir(dataDir, { recursive: true, mode: 0o750 })
    const store = new Store(dataDir)
    try {
      await store.db.open()
    } catch (err) {
      const code = (err as any)?.cause?.code ?? (err as any)?.code
      if (code === 'LEVEL_LOCKED') throw new AppError('STORE_LOCKED', { dataDir }, err)
      throw new AppError('STORAGE_FAILED', { dataDir }, err)
    }
    await store.files.init()
    try {
      await store.migrate(migrations)
    } catch (err) {
      await store.close()
      throw err
    }
    // A deletion committed, and the process died before its files went: nothing writes yet, so sweep now.
    if (await store.getMeta('filesSweepPending')) await store.sweepFiles()
    return store
  }

  /** Brings the data to the last migration's layout, one migration (and its version bump) per synced batch. */
  private async migrate (migrations: readonly Migration[]): Promise<void> {
    const latest = migrations[migrations.length - 1]?.version ?? 1
    const version = await this.getMeta('layoutVersion')
    // A new data directory: nothing to migrate.
    if (version === undefined) return await this.tx().putMeta('layoutVersion', latest).commit()
    if (version > latest) throw new AppError('CONFIG_INVALID', { problems: [`data layout ${version} is newer than this sohoa (${latest})`] })
    for (const m of migrations) {
      if (m.version <= version) continue
      const writes = await m.up(this)
      const ops: unknown[] = writes.map(w => ({ ...w, sublevel: this.sub(w.sublevel) }))
      ops.push({ type: 'put', sublevel: this.sub('meta'), key: META.layoutVersion, value: m.version })
      try {
        await this.db.batch(ops as any, { sync: true })
      } catch (err) {
        throw new AppError('STORAGE_FAILED', { migration: m.version }, err)
      }
    }
  }

  /**
   * Every file something still references: the pages of records not deleted (masters, thumbnails, previews, blank
   * backs and cover sheets too), those records' PDF, OCR words and source file (also while signed, not yet archived),
   * and every file a district's replica names (province). A deleted record's tombstone references nothing.
   */
  async referencedFiles (): Promise<Set<string>> {
    const refs = new Set<string>()
    const deleted = new Set<string>()
    for await (const r of this.listRecords()) {
      if (r.deleted) { deleted.add(r.id); continue }
      // An approved record's signed copy and words are referenced from the sign step's commit on, before it is archived.
      for (const sha of [r.pdf?.sha256, r.textSha256, r.sourceSha256, r.archiving?.pdf.sha256, r.archiving?.text.sha256]) if (sha) refs.add(sha)
    }
    for await (const p of this.listPages()) {
      if (deleted.has(p.recordId)) continue
      for (const sha of [p.sha256, p.thumbnailSha256, p.previewSha256]) if (sha) refs.add(sha)
    }
    for await (const r of this.replicas.records()) for (const f of r.files) refs.add(f.sha256)
    return refs
  }

  /** Removes the files nothing references, then clears the pending mark. Only while nothing writes files. */
  async sweepFiles (): Promise<{ removed: number, kept: number }> {
    const refs = await this.referencedFiles()
    const result = await this.files.sweep(sha => refs.has(sha))
    await this.tx().clearFilesSweep().commit()
    return result
  }

  /** For `store/` modules only (the search index persists itself through its own sublevel). */
  sub (name: SublevelName): Sub {
    return this.subs.get(name)!
  }

  tx (): Tx { return new Tx(this) }

  /*
   * In-process locks: each serialises read-modify-write sequences on one entity (names in `LOCKS`, keys.ts). Every
   * writer of an entity takes its lock, whichever module it is in. The plural ones hold several at once, always
   * taken in the same (sorted) order so two callers cannot deadlock.
   */
  async lockPage<T> (pageId: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.page(pageId), fn) }
  async lockPages<T> (pageIds: readonly string[], fn: () => Promise<T>): Promise<T> { return await this.lockMany(pageIds.map(LOCKS.page), fn) }
  async lockRecord<T> (recordId: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.record(recordId), fn) }
  async lockRecords<T> (recordIds: readonly string[], fn: () => Promise<T>): Promise<T> { return await this.lockMany(recordIds.map(LOCKS.record), fn) }
  async lockBatch<T> (batchId: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.batch(batchId), fn) }
  /** A batch's segmentation into records (taken before its pages' locks). */
  async lockSegment<T> (batchId: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.segment(batchId), fn) }
  /** A scanner batch's scanning run (start, resume, stop). */
  async lockScan<T> (batchId: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.scan(batchId), fn) }
  async lockUser<T> (username: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.user(username), fn) }
  /** One client's Idempotency-Key. */
  async lockReceipt<T> (principal: string, key: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.receipt(principal, key), fn) }
  /** One file's intake into one unit (the same bytes twice become one record). */
  async lockIntake<T> (unit: string, sha256: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.intake(unit, sha256), fn) }
  async lockInventoryUnit<T> (unit: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.inventoryUnit(unit), fn) }
  async lockInventoryFiles<T> (fileIds: readonly string[], fn: () => Promise<T>): Promise<T> { return await this.lockMany(fileIds.map(LOCKS.inventoryFile), fn) }
  async lockInventoryRecord<T> (recordId: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.inventoryRecord(recordId), fn) }
  /** One outbox target's cursor and dead letters. */
  async lockOutbox<T> (target: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.outbox(target), fn) }
  /** Province: one district's replica. */
  async lockReplica<T> (replica: string, fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.replica(replica), fn) }
  /** Province: the registry of district peers. */
  async lockReplicaPeers<T> (fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.replicaPeers(), fn) }
  /** The unit catalogue (its units and version). */
  async lockCatalogue<T> (fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.catalogue(), fn) }
  /** The signed archive log's head. */
  async lockArchiveLog<T> (fn: () => Promise<T>): Promise<T> { return await this.lock(LOCKS.archiveLog(), fn) }

  private async lock<T> (key: string, fn: () => Promise<T>): Promise<T> {
    return await this.mutex.run(key, fn)
  }

  private async lockMany<T> (keys: string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort()
    const run = async (i: number): Promise<T> => i === sorted.length ? await fn() : await this.mutex.run(sorted[i], async () => await run(i + 1))
    return await run(0)
  }

  async close (): Promise<void> {
    if (this.db.status === 'open') await this.db.close()
  }

  private async get<T> (name: SublevelName, key: string): Promise<T | undefined> {
    return await this.sub(name).get(key) as T | undefined
  }

  private async * values<T> (name: SublevelName, opts: { reverse?: boolean, gt?: string, lt?: string, limit?: number } = {}): AsyncGenerator<T> {
    for await (const value of this.sub(name).values(opts)) yield value as T
  }

  getMeta<K extends MetaName> (name: K): Promise<MetaValues[K] | undefined> { return this.get<MetaValues[K]>('meta', META[name]) }
  getScanProfile (scannerId: string): Promise<ScanProfile | undefined> { return this.get<ScanProfile>('meta', scanProfileKey(scannerId)) }
  getScanBatch (batchId: string): Promise<ScanBatchMeta | undefined> { return this.get<ScanBatchMeta>('meta', scanBatchKey(batchId)) }
  getUnit (code: string): Promise<Unit | undefined> { return this.get<Unit>('units', code) }
  getTarget (unit: string, year: number): Promise<Target | undefined> { return this.get<Target>('targets', targetKey(unit, year)) }
  getBatch (id: string): Promise<Batch | undefined> { return this.get<Batch>('batches', id) }
  getRecord (id: string): Promise<RecordEntry | undefined> { return this.get<RecordEntry>('records', id) }
  getPage (id: string): Promise<Page | undefined> { return this.get<Page>('pages', id) }
  getPageText (pageId: string): Promise<PageText | undefined> { return this.get<PageText>('ocr', pageId) }
  getJob (id: string): Promise<Job | undefined> { return this.get<Job>('jobs', id) }
  getUser (username: string): Promise<User | undefined> { return this.get<User>('users', username) }
  getTokenByHash (hash: string): Promise<Token | undefined> { return this.get<Token>('tokens', hash) }
  getSession (hash: string): Promise<Session | undefined> { return this.get<Session>('sessions', hash) }
  getReceipt (principal: string, key: string): Promise<StoredReceipt | undefined> { return this.get<StoredReceipt>('receipts', receiptKey(principal, key)) }
  findImport (unit: string, sha256: string): Promise<string | undefined> { return this.get<string>('imports', importKey(unit, sha256)) }

  async getPages (ids: string[]): Promise<Page[]> {
    if (ids.length === 0) return []
    const pages = await this.sub('pages').getMany(ids) as Array<Page | undefined>
    return pages.filter((p): p is Page => p !== undefined)
  }

  async getPageTexts (ids: string[]): Promise<Array<PageText | undefined>> {
    if (ids.length === 0) return []
    return await this.sub('ocr').getMany(ids) as Array<PageText | undefined>
  }

  listUnits (): AsyncGenerator<Unit> { return this.values<Unit>('units') }
  listTargets (): AsyncGenerator<Target> { return this.values<Target>('targets') }
  listUsers (): AsyncGenerator<User> { return this.values<User>('users') }
  listTokens (): AsyncGenerator<Token> { return this.values<Token>('tokens') }
  listJobs (): AsyncGenerator<Job> { return this.values<Job>('jobs') }
  listPages (): AsyncGenerator<Page> { return this.values<Page>('pages') }
  /** Every page, a thousand per call of `fn`: whole-archive passes (reports) skip a promise per entry (10× faster under load). */
  async scanPages (fn: (pages: Page[]) => void): Promise<void> { await this.scan('pages', fn) }
  async scanRecords (fn: (records: RecordEntry[]) => void): Promise<void> { await this.scan('records', fn) }
  private async scan<T> (name: SublevelName, fn: (values: T[]) => void): Promise<void> {
    const it = this.sub(name).values()
    try {
      for (let batch = await it.nextv(1000); batch.length > 0; batch = await it.nextv(1000)) fn(batch as T[])
    } finally {
      await it.close()
    }
  }
  /** Pages made at or after `ms`, oldest first; page ids are time-ordered, so only those are read. */
  listPagesSince (ms: number): AsyncGenerator<Page> { return this.values<Page>('pages', { gt: idFloor('p', ms) }) }
  listSessions (): AsyncGenerator<Session> { return this.values<Session>('sessions') }
  async listVersions (recordId: string): Promise<RecordVersion[]> {
    const out: RecordVersion[] = []
    for await (const v of this.values<RecordVersion>('versions', { gt: `${recordId}!`, lt: `${recordId}!\xff` })) out.push(v)
    return out
  }

  /** A record's events, oldest first. */
  async listEvents (recordId: string): Promise<RecordEvent[]> {
    const out: RecordEvent[] = []
    for await (const e of this.values<RecordEvent>('events', { gt: `${recordId}!`, lt: `${recordId}!\xff` })) out.push(e)
    return out
  }
  /** Newest first. */
  listRecords (opts: { limit?: number, before?: string } = {}): AsyncGenerator<RecordEntry> {
    return this.values<RecordEntry>('records', { reverse: true, limit: opts.limit, lt: opts.before })
  }

  /** Called after a commit that wrote record jobs (the runner drains them). */
  onRecordJobs (fn: () => void): () => void {
    this.jobListeners.add(fn)
    return () => { this.jobListeners.delete(fn) }
  }

  /** @internal Tx.commit's signal. */
  recordJobsWritten (): void { for (const fn of this.jobListeners) fn() }

  /** Pending record jobs of one step, by subject, `limit` at a time after the key `after`: `{ key, step, subject }`. */
  async listRecordJobs (step: RecordStepName, limit: number, after?: string): Promise<Array<{ key: string, step: RecordStepName, subject: string }>> {
    const out: Array<{ key: string, step: RecordStepName, subject: string }> = []
    for await (const k of this.sub('recordjobs').keys({ gt: after ?? `${step}!`, lt: `${step}!\xff`, limit })) {
      const key = k as string
      out.push({ key, step, subject: parseRecordJobKey(key).subject })
    }
    return out
  }

  /** Whether a job of `step` is pending for `subject`. */
  async hasRecordJob (step: RecordStepName, subject: string): Promise<boolean> {
    return (await this.listRecordJobKeys(step, subject, 1)).length > 0
  }

  /** The keys of the jobs of `step` pending for `subject`. */
  async listRecordJobKeys (step: RecordStepName, subject: string, limit?: number): Promise<string[]> {
    const out: string[] = []
    for await (const k of this.sub('recordjobs').keys({ gt: `${step}!${subject}!`, lt: `${step}!${subject}!\xff`, limit })) out.push(k as string)
    return out
  }

  /** Pending record jobs per step (distinct subjects are not counted apart: a figure for the dashboard). */
  async countRecordJobs (): Promise<Record<RecordStepName, number>> {
    const counts = Object.fromEntries(RECORD_STEPS.map(s => [s, 0])) as Record<RecordStepName, number>
    for await (const k of this.sub('recordjobs').keys()) {
      const step = parseRecordJobKey(k as string).step as RecordStepName
      if (step in counts) counts[step]++
    }
    return counts
  }

  /** Layout 1 kept index jobs in `indexjobs` (`<recordId>!<seq>`): they become `index` record jobs, in one batch. */
  listBatches (opts: { limit?: number } = {}): AsyncGenerator<Batch> {
    return this.values<Batch>('batches', { reverse: true, limit: opts.limit })
  }
}
