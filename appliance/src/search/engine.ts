/**
 * The search service over a SearchIndexStore: tokenises documents (text and fields) into postings, and answers
 * queries by intersecting posting lists (rarest term first), checking phrases by position, ranking with BM25 plus
 * a bonus for terms found in fields, then building snippets and field summaries for the requested page only.
 * Facets, when asked, count the whole result set from the in-memory document table.
 */
import { AppError } from '../errors/index.js'
import type { IndexedDoc, SearchIndexStore } from '../store/search-index.js'
import { checkFields, indexAttrs, summaryOf } from './attributes.js'
import { countFacets } from './facets.js'
import { FIELD_BONUS, MAX_TEXT_TOKENS, fieldTokens, inField, matchedFields } from './fields.js'
import { compileFilter, checkAttrs, type DocFilter } from './filters.js'
import { normalizeText } from './fold.js'
import { adjacentWords, parseQuery, type ParsedQuery } from './query.js'
import { ADJACENCY_WEIGHT, bm25Term, hasPhrase, idf } from './rank.js'
import { makeSnippet } from './snippet.js'
import { tokenizeNormalized } from './tokenize.js'
import type { SearchDocument, SearchHit, SearchOptions, SearchResults, SearchService, SearchStats } from './types.js'

export const DEFAULT_LIMIT = 20
export const MAX_LIMIT = 1000
const MAX_ID_LENGTH = 256
/**
 * A point read of one posting costs up to this many scanned postings (measured 1.3–3.8× over 10,000 documents):
 * for k candidates, point reads win while k × this < the term's df.
 */
const POINT_READ_FACTOR = 4

type Postings = ReadonlyMap<string, readonly number[]>

function checkId (id: unknown): string {
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) throw new AppError('VALIDATION', { field: 'id' })
  return id
}

function page (options: SearchOptions): { limit: number, offset: number } {
  const whole = (n: number | undefined, fallback: number): number => Number.isFinite(n) ? Math.floor(n!) : fallback
  return {
    limit: Math.min(MAX_LIMIT, Math.max(1, whole(options.limit, DEFAULT_LIMIT))),
    offset: Math.max(0, whole(options.offset, 0))
  }
}

/** Newest first: the record's creation time when it has one, else when it was indexed; then the id (time-ordered). */
function recency (doc: IndexedDoc): string {
  return typeof doc.attrs.createdAt === 'string' ? doc.attrs.createdAt : doc.indexedAt
}

export function createSearchIndex (store: SearchIndexStore): SearchService {
  /** Documents holding every term of the query and passing the filter, with the postings read on the way. */
  async function match (parsed: ParsedQuery, filter: DocFilter | undefined, docs: ReadonlyMap<string, IndexedDoc>): Promise<{ ids: string[], dfs: number[], postings: Map<string, Postings> } | undefined> {
    const dfs = await store.documentFrequencies(parsed.terms)
    if (dfs.some(df => df === 0)) return undefined
    const byRarity = parsed.terms.map((term, i) => ({ term, df: dfs[i] })).sort((a, b) => a.df - b.df)
    const postings = new Map<string, Postings>()
    let ids: string[] | undefined
    if (filter !== undefined) {
      // A selective filter (one small unit) is cheaper to start from than the rarest term's whole posting list.
      const allowed: string[] = []
      for (const [id, doc] of docs) if (filter(doc.attrs)) allowed.push(id)
      if (allowed.length * POINT_READ_FACTOR < byRarity[0].df) ids = allowed
    }
    // The rarest term (or the filter) gives the candidates; the other terms' lists are then read concurrently
    // (LevelDB reads run on libuv's pool), each by point reads when there are few candidates, else by a scan.
    const [rarest, ...others] = byRarity
    if (ids === undefined) {
      const list = await store.scanPostings(rarest.term)
      postings.set(rarest.term, list)
      ids = []
      for (const id of list.keys()) {
        const doc = docs.get(id)
        if (doc !== undefined && (filter === undefined || filter(doc.attrs))) ids.push(id)
      }
    } else {
      others.unshift(rarest)
    }
    if (ids.length === 0) return undefined
    const candidates = ids
    const lists = await Promise.all(others.map(async ({ term, df }) =>
      candidates.length * POINT_READ_FACTOR < df ? await store.postingsIn(term, candidates) : await store.scanPostings(term)))
    others.forEach(({ term }, i) => postings.set(term, lists[i]))
    // Also drops documents a concurrent write took out of a cached list between awaits.
    const all = parsed.terms.map(t => postings.get(t)!)
    ids = ids.filter(id => all.every(list => list.has(id)))
    const phrases = parsed.clauses.filter(c => c.terms.length > 1)
    if (phrases.length > 0) {
      ids = ids.filter(id => phrases.every(c => hasPhrase(c.terms.map(t => postings.get(t)!.get(id)!))))
    }
    return { ids, dfs, postings }
  }

  /** The page's hits: snippet from the text, the summary fields, and (for a query) the fields that matched. */
  async function hitsOf (ranked: Array<{ id: string, score: number }>, docs: ReadonlyMap<string, IndexedDoc>, query?: { parsed: ParsedQuery, postings: Map<string, Postings> }): Promise<SearchHit[]> {
    const texts = await store.texts(ranked.map(r => r.id))
    const clauses = query?.parsed.clauses ?? []
    const together = query === undefined ? [] : adjacentWords(query.parsed).map(pair => ({ terms: pair }))
    return ranked.map((r, i) => {
      const hit: SearchHit = {
        recordId: r.id,
        score: r.score,
        snippet: makeSnippet(texts[i] ?? '', clauses, together),
        fields: summaryOf(docs.get(r.id)?.attrs ?? {})
      }
      if (query !== undefined) {
        hit.matchedFields = matchedFields(clauses.map(c => c.terms.map(t => query.postings.get(t)?.get(r.id) ?? [])))
      }
      return hit
    })
  }

  return {
    async indexDocument (id: string, doc: SearchDocument): Promise<void> {
      checkId(id)
      if (typeof doc?.text !== 'string') throw new AppError('VALIDATION', { field: 'text' })
      const fields = checkFields(doc.fields)
      const attrs = indexAttrs(checkAttrs(doc.attrs), fields)
      const text = normalizeText(doc.text)
      const postings = new Map<string, number[]>()
      let length = 0
      const add = (term: string, position: number): void => {
        const positions = postings.get(term)
        if (positions === undefined) postings.set(term, [position])
        else positions.push(position)
        length++
      }
      for (const token of tokenizeNormalized(text)) {
        if (token.position >= MAX_TEXT_TOKENS) break
        add(token.term, token.position)
      }
      // After the text's: every list stays ascending.
      for (const token of fieldTokens(fields)) add(token.term, token.position)
      await store.replace(id, { text, length, attrs, postings })
    },

    async removeDocument (id: string): Promise<boolean> {
      return await store.remove(checkId(id))
    },

    async search (query: string, options: SearchOptions = {}): Promise<SearchResults> {
      const { limit, offset } = page(options)
      const filter = compileFilter(options)
      const parsed = parseQuery(typeof query === 'string' ? query : '')
      const none = (): SearchResults => options.facets === true ? { total: 0, results: [], facets: countFacets([], new Map()) } : { total: 0, results: [] }
      if (parsed.unmatchable) return none()
      const docs = await store.documents()

      if (parsed.clauses.length === 0) {
        const listed: Array<{ id: string, at: string }> = []
        for (const [id, doc] of docs) if (filter === undefined || filter(doc.attrs)) listed.push({ id, at: recency(doc) })
        listed.sort((a, b) => a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
        const slice = listed.slice(offset, offset + limit).map(d => ({ id: d.id, score: 0 }))
        const results: SearchResults = { total: listed.length, results: await hitsOf(slice, docs) }
        if (options.facets === true) results.facets = countFacets(listed.map(d => d.id), docs)
        return results
      }

      const stats = await store.stats()
      const found = await match(parsed, filter, docs)
      if (found === undefined) return none()
      const averageLength = stats.documents > 0 ? stats.totalLength / stats.documents : 0
      const termIdf = found.dfs.map(df => idf(stats.documents, df))
      const lists = parsed.terms.map(t => found.postings.get(t)!)
      const pairs = adjacentWords(parsed).map(([a, b]) => {
        const i = parsed.terms.indexOf(a)
        const j = parsed.terms.indexOf(b)
        return { first: lists[i], second: lists[j], bonus: ADJACENCY_WEIGHT * (termIdf[i] + termIdf[j]) }
      })
      const ranked: Array<{ id: string, score: number }> = []
      for (const id of found.ids) {
        const doc = docs.get(id)
        let score = 0
        for (let i = 0; i < lists.length && doc !== undefined; i++) {
          const positions = lists[i].get(id)
          // Removed by a write that landed while this query ran: leave it out.
          if (positions === undefined) { score = NaN; break }
          score += bm25Term(positions.length, doc.length, averageLength, termIdf[i])
          if (inField(positions)) score += FIELD_BONUS * termIdf[i]
        }
        for (const pair of pairs) {
          const a = pair.first.get(id)
          const b = pair.second.get(id)
          if (a !== undefined && b !== undefined && hasPhrase([a, b])) score += pair.bonus
        }
        if (doc !== undefined && !Number.isNaN(score)) ranked.push({ id, score })
      }
      ranked.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      const results: SearchResults = { total: ranked.length, results: await hitsOf(ranked.slice(offset, offset + limit), docs, { parsed, postings: found.postings }) }
      if (options.facets === true) results.facets = countFacets(ranked.map(r => r.id), docs)
      return results
    },

    async clear (): Promise<void> {
      await store.clear()
    },

    async warmUp (): Promise<{ terms: number, postings: number }> {
      return await store.warmUp()
    },

    async stats (): Promise<SearchStats> {
      const s = await store.stats()
      return { ...s, averageLength: s.documents > 0 ? s.totalLength / s.documents : 0 }
    },

    async reindexAdvised (): Promise<boolean> {
      return await store.reindexAdvised()
    }
  }
}
