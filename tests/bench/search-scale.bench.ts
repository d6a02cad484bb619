/**
 * Search at the province's size: N synthetic records (env SOHOA_BENCH_DOCS, default 1,000,000; the corpus of
 * search.bench.ts, ~2,000 characters each) indexed one by one into a real LevelDB by the appliance's engine, and
 * the same texts into SQLite FTS5 (`unicode61 remove_diacritics 2`, texts folded first because unicode61 keeps
 * Đ/đ; contentless; bm25; top 20) in the same run, then the same queries on both.
 *
 * FTS5 comes from better-sqlite3, which is not a dependency of the appliance: the bench loads it from
 * `node_modules` if present, else from the directory in SOHOA_BENCH_SQLITE (a throwaway
 * `npm install better-sqlite3@12.11.1` elsewhere; it compiles from source with python3, make and g++).
 * Without it the fts5 figures are null.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { createSearchIndex, foldVietnamese, parseQuery } from '../../appliance/src/search/index.js'
import { SearchIndexStore } from '../../appliance/src/store/search-index.js'
import { benchQueries, makeDoc, rng, type Fake } from './search.bench.js'
import { percentile } from './stats.js'

const round = (x: number): number => Math.round(x * 100) / 100

function lifecycle (n: number): { status: string, validity: string, createdAt: string } {
  return { status: ['draft', 'approved', 'archived'][n % 3], validity: n % 10 === 0 ? 'expired' : 'valid', createdAt: new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString() }
}

async function loadSqlite (): Promise<any | undefined> {
  try { return (await import('better-sqlite3' as string)).default } catch {}
  const dir = process.env.SOHOA_BENCH_SQLITE
  if (dir === undefined) return undefined
  try { return createRequire(join(dir, 'package.json'))('better-sqlite3') } catch { return undefined }
}

/** The same query for FTS5: folded words as quoted tokens, phrases (quoted or glued by punctuation) as phrases. */
function ftsQuery (q: string): string {
  return parseQuery(q).clauses.map(c => `"${c.terms.join(' ')}"`).join(' AND ')
}

/** The text FTS5 indexes: folded like ours (Đ → d; numbers without leading zeros, as our tokens). */
function ftsText (text: string): string {
  return foldVietnamese(text).replace(/\b0+(?=\d)/g, '')
}

export async function benchSearchScale (options: { docs?: number, rounds?: number } = {}): Promise<Record<string, number | null>> {
  const docs = options.docs ?? Number(process.env.SOHOA_BENCH_DOCS ?? 1_000_000)
  const rounds = options.rounds ?? 10
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-bench-scale-'))
  let peakRss = 0
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss) }, 100)
  const open = async (): Promise<{ db: Level<string, any>, store: SearchIndexStore }> => {
    const db = new Level<string, any>(join(dir, 'db'), { valueEncoding: 'json' })
    await db.open()
    const store = new SearchIndexStore(db.sublevel<string, any>('index', { valueEncoding: 'json' }), {
      blobs: db.sublevel<string, any>('searchseg', { valueEncoding: 'view' })
    })
    return { db, store }
  }
  let { db, store } = await open()
  try {
    let search = createSearchIndex(store)
    const samples: Fake[] = []
    const every = Math.max(1, Math.floor(docs / 20))
    let random = rng(42)
    let indexMs = 0
    const started = performance.now()
    // Bulk, as `sohoa reindex` does: 500 records per write.
    let batch: Array<{ id: string, doc: { text: string, attrs: Record<string, string>, fields: Fake['fields'] } }> = []
    for (let i = 0; i < docs; i++) {
      const doc = makeDoc(random, i)
      if (i % every === 0) samples.push(doc)
      batch.push({ id: `r${String(i).padStart(8, '0')}`, doc: { text: doc.text, attrs: { unit: doc.unit, ...lifecycle(i) }, fields: doc.fields } })
      if (batch.length < 500 && i < docs - 1) continue
      const t0 = performance.now()
      await search.indexDocuments(batch)
      batch = []
      indexMs += performance.now() - t0
      if (i % 100_000 === 99_999 || i === docs - 1) process.stderr.write(`  indexed ${i + 1} (${Math.round((i + 1) / ((performance.now() - started) / 1000))}/s, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB)\n`)
    }
    const t1 = performance.now()
    await store.flush()
    await store.settle()
    indexMs += performance.now() - t1
    const buildWallS = (performance.now() - started) / 1000
    const segments = store.segmentCount

    // An incremental update: how long until a search finds it.
    const u0 = performance.now()
    await search.indexDocument('fresh', { text: 'Giấy phép xây dựng cấp cho ông Kpă Blơi Xyzzyq', attrs: { unit: '601' } })
    let visible = (await search.search('xyzzyq')).total
    const updateVisibleMs = performance.now() - u0
    if (visible !== 1) throw new Error('the update was not found')

    // Restart: a fresh handle on a reopened database; the first query loads the document table.
    await db.close()
    ;({ db, store } = await open())
    search = createSearchIndex(store)
    const o0 = performance.now()
    await search.stats()
    const openMs = performance.now() - o0
    visible = (await search.search('xyzzyq')).total
    if (visible !== 1) throw new Error('the update was lost on reopening')

    const queries = benchQueries(samples)
    const coldTimes: number[] = []
    const queryTimes: number[] = []
    const totals: number[] = []
    for (let r = 0; r < rounds; r++) {
      for (const q of queries) {
        const t0 = performance.now()
        const res = await search.search(q, { limit: 20 })
        ;(r === 0 ? coldTimes : queryTimes).push(performance.now() - t0)
        if (r === 0) totals.push(res.total)
      }
    }
    const lookupTimes: number[] = []
    const filteredTimes: number[] = []
    const facetTimes: number[] = []
    for (let r = 0; r < Math.max(1, rounds / 2); r++) {
      for (const s of samples.slice(0, 10)) {
        let t0 = performance.now()
        const a = await search.search('', { documentNumber: s.number.toLowerCase() })
        const b = await search.search('', { subjectId: s.fields.subjectId })
        lookupTimes.push((performance.now() - t0) / 2)
        if (a.total === 0 || b.total === 0) throw new Error('a lookup found nothing')
        t0 = performance.now()
        await search.search('thu hoi dat', { documentTypes: ['quyết định'], issuedFrom: '2010', issuedTo: '2020-06', statuses: ['approved', 'archived'], validity: ['valid'] })
        filteredTimes.push(performance.now() - t0)
      }
      for (const q of ['giay phep xay dung', '', samples[0].name]) {
        const t0 = performance.now()
        await search.search(q, { facets: true })
        facetTimes.push(performance.now() - t0)
      }
    }
    const ours = {
      docs,
      build_records_per_s: Math.round(docs / (indexMs / 1000)),
      build_wall_s: Math.round(buildWallS),
      segments,
      update_visible_ms: round(updateVisibleMs),
      open_ms: Math.round(openMs),
      query_p50_ms: round(percentile(queryTimes, 50)),
      query_p99_ms: round(percentile(queryTimes, 99)),
      query_max_ms: round(Math.max(...queryTimes)),
      cold_query_p50_ms: round(percentile(coldTimes, 50)),
      cold_query_p99_ms: round(percentile(coldTimes, 99)),
      hits_median: percentile(totals, 50),
      lookup_p50_ms: round(percentile(lookupTimes, 50)),
      filtered_query_p50_ms: round(percentile(filteredTimes, 50)),
      facets_p50_ms: round(percentile(facetTimes, 50)),
      facets_max_ms: round(Math.max(...facetTimes)),
      peak_rss_mb: Math.round(peakRss / 2 ** 20)
    }
    await db.close()

    // The baseline, same texts (regenerated from the same seed), same queries.
    const Database = await loadSqlite()
    let fts: Record<string, number | null> = { fts5_build_records_per_s: null, fts5_query_p50_ms: null, fts5_query_p99_ms: null }
    if (Database !== undefined) {
      peakRss = 0
      const sq = new Database(join(dir, 'fts.db'))
      sq.pragma('journal_mode = WAL')
      sq.pragma('synchronous = NORMAL')
      sq.exec("CREATE VIRTUAL TABLE fts USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2')")
      const insert = sq.prepare('INSERT INTO fts(rowid, body) VALUES (?, ?)')
      const many = sq.transaction((rows: Array<[number, string]>) => { for (const [id, body] of rows) insert.run(id, body) })
      random = rng(42)
      let ftsMs = 0
      let rows: Array<[number, string]> = []
      for (let i = 0; i < docs; i++) {
        const doc = makeDoc(random, i)
        const t0 = performance.now()
        rows.push([i + 1, ftsText(doc.text)])
        // better-sqlite3 is synchronous: the interval sampler does not run meanwhile.
        if (rows.length === 10_000 || i === docs - 1) { many(rows); rows = []; peakRss = Math.max(peakRss, process.memoryUsage().rss) }
        ftsMs += performance.now() - t0
      }
      const top = sq.prepare('SELECT rowid, bm25(fts) AS score FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 20')
      const times: number[] = []
      for (let r = 0; r < rounds; r++) {
        for (const q of queries) {
          const t0 = performance.now()
          top.all(ftsQuery(q))
          if (r > 0) times.push(performance.now() - t0)
          peakRss = Math.max(peakRss, process.memoryUsage().rss)
        }
      }
      sq.close()
      fts = {
        fts5_build_records_per_s: Math.round(docs / (ftsMs / 1000)),
        fts5_query_p50_ms: round(percentile(times, 50)),
        fts5_query_p99_ms: round(percentile(times, 99))
      }
    }
    return { ...ours, ...fts, fts5_peak_rss_mb: Math.round(peakRss / 2 ** 20) }
  } finally {
    clearInterval(sampler)
    if (db.status === 'open') await db.close()
    await rm(dir, { recursive: true, force: true })
  }
}
