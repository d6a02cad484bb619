/** Shared by the search tests: a real LevelDB in a temp dir, wired the way the store's composition root wires it. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Level } from 'level'
import { createSearchIndex, type SearchService } from '../../appliance/src/search/index.js'
import { SearchIndexStore, type SearchIndexStoreOptions } from '../../appliance/src/store/search-index.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'

export interface OpenIndex {
  db: Level<string, any>
  store: SearchIndexStore
  search: SearchService
  close: () => Promise<void>
}

/** Opens (or reopens, given `dir`) an index; closed at teardown unless closed before. */
export async function openIndex (t: { teardown: (fn: () => unknown) => void }, dir?: string, options?: SearchIndexStoreOptions): Promise<OpenIndex & { dir: string }> {
  const location = dir ?? await tempDir(t, 'sohoa-search-')
  const db = new Level<string, any>(join(location, 'db'), { valueEncoding: 'json' })
  await db.open()
  const store = new SearchIndexStore(db.sublevel<string, any>('index', { valueEncoding: 'json' }), {
    blobs: db.sublevel<string, any>('searchseg', { valueEncoding: 'view' }),
    ...options
  })
  const close = async (): Promise<void> => { if (db.status === 'open') await db.close() }
  t.teardown(close)
  return { db, store, search: createSearchIndex(store), close, dir: location }
}

export interface TruthDoc { file: string, template: string, so_ky_hieu: string, chu_the: string, text: string }

/** The 24 ground-truth texts of the sample scans. */
export function corpusDocs (): TruthDoc[] {
  return readFileSync(join(CORPUS, 'truth.jsonl'), 'utf8').trim().split('\n').map(line => JSON.parse(line) as TruthDoc)
}

/** Indexes the corpus as records `d00`…`d23`, unit by template so filters have something to cut. */
export async function indexCorpus (search: SearchService): Promise<TruthDoc[]> {
  const docs = corpusDocs()
  for (const [i, doc] of docs.entries()) {
    await search.indexDocument(`d${String(i).padStart(2, '0')}`, { text: doc.text, attrs: { unit: doc.template, createdAt: `2024-01-${String(i + 1).padStart(2, '0')}T00:00:00Z` } })
  }
  return docs
}
