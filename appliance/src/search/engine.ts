/**
 * The search service over a SearchIndexStore (a segment index): tokenises documents (text and fields) into
 * postings; answers a query by intersecting, segment by segment, the posting lists of its terms and exact-lookup
 * keys (rarest first, galloping over the others), checking phrases by position, scoring every match with BM25
 * plus a bonus for terms found in fields (the codes carry tf and a field flag, so no positions are read for that),
 * then taking the best RERANK matches and adding the adjacency bonus from their positions. Snippets, summary fields
 * and matched fields are built for the requested page only; facets count every match from the document table.
 */
import { AppError } from '../errors/index.js'
import type { DocAttrs, DocTable, DocumentPostings, Part, PositionsReader, SearchIndexStore } from '../store/index.js'
import type { FieldName } from '../extract/index.js'
import { checkFields, documentNumberKey, indexAttrs, summaryOf, DOCUMENT_NUMBER_KEY } from './attributes.js'
import { countFacets } from './facets.js'
import { FIELD_BONUS, MAX_TEXT_TOKENS, fieldTokens, inField, matchedFields } from './fields.js'
import { compileFilter, checkAttrs } from './filters.js'
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
 * The adjacency bonus (query words standing together) is added to this many of the best BM25 matches, at least
 * twice the page asked for: it reads positions, which every match of a common-word query cannot afford.
 */
export const RERANK = 200

/** Exact-lookup terms: `\u0001` never occurs in a token (letters and digits only). */
export const numberKeyTerm = (key: string): string => `\u0001n${key}`
export const subjectKeyTerm = (digits: string): string => `\u0001i${digits}`

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

/** A binary heap keeping the `size` best indexes by `better(a, b)` (true: a ranks above b). */
class Best {
  private readonly heap: number[] = []
  constructor (private readonly size: number, private readonly better: (a: number, b: number) => boolean) {}

  push (i: number): void {
    const heap = this.heap
    // The root is the worst kept.
    const worse = (a: number, b: number): boolean => this.better(b, a)
    if (heap.length < this.size) {
      heap.push(i)
      let c = heap.length - 1
      while (c > 0) { const p = (c - 1) >> 1; if (worse(heap[c], heap[p])) { [heap[c], heap[p]] = [heap[p], heap[c]]; c = p } else break }
      return
    }
    if (!this.better(i, heap[0])) return
    heap[0] = i
    let p = 0
    for (;;) {
      const l = 2 * p + 1; const r = l + 1; let m = p
      if (l < heap.length && worse(heap[l], heap[m])) m = l
      if (r < heap.length && worse(heap[r], heap[m])) m = r
      if (m === p) break
      ;[heap[m], heap[p]] = [heap[p], heap[m]]; p = m
    }
  }

  /** Best first. */
  result (): number[] {
    return [...this.heap].sort((a, b) => this.better(a, b) ? -1 : this.better(b, a) ? 1 : 0)
  }
}

/** Index of `ord` in ascending `ords` from `lo`, or -(insertion point)-1; galloping then binary search. */
function seek (ords: ArrayLike<number>, ord: number, lo: number): number {
  let step = 1
  let hi = lo
  while (hi < ords.length && ords[hi] < ord) { lo = hi + 1; hi += step; step *= 2 }
  if (hi >= ords.length) hi = ords.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (ords[mid] < ord) lo = mid + 1; else if (ords[mid] > ord) hi = mid - 1; else return mid
  }
  return -lo - 1
}

interface Matches {
  ords: number[]
  scores: number[]
  /** Per match: its segment's position in `segs`. */
  seg: number[]
}

/** The postings of a text (NFC) and checked fields: text positions first, then each field's at its own base. */
function analyze (text: string, fields: Array<[FieldName, string]>): { postings: Map<string, [number, number[]]>, length: number, coded: true } {
  const positions = new Map<string, number[]>()
  let length = 0
  const add = (term: string, position: number): void => {
    const list = positions.get(term)
    if (list === undefined) positions.set(term, [position]); else list.push(position)
    length++
  }
  for (const token of tokenizeNormalized(text)) {
    if (token.position >= MAX_TEXT_TOKENS) break
    add(token.term, token.position)
  }
  for (const token of fieldTokens(fields)) add(token.term, token.position)
  // The code carries tf and whether the term is in a field: ranking needs no positions. Set in place (same keys).
  const postings = positions as unknown as Map<string, [number, number[]]>
  for (const [term, list] of positions) postings.set(term, [(Math.min(127, list.length) << 1) | (inField(list) ? 1 : 0), list])
  return { postings, length, coded: true }
}

/** The exact-lookup keys of stored attributes. */
function keysOf (attrs: DocAttrs): string[] {
  const keys: string[] = []
  const numberKey = attrs[DOCUMENT_NUMBER_KEY]
  if (typeof numberKey === 'string' && numberKey !== '') keys.push(numberKeyTerm(numberKey))
  const subjects = attrs.subjectId === undefined ? [] : Array.isArray(attrs.subjectId) ? attrs.subjectId : [attrs.subjectId]
  for (const s of subjects) if (typeof s === 'string' && s !== '') keys.push(subjectKeyTerm(s))
  return keys
}

/** Checks a document and makes what the store keeps. */
function prepare (doc: SearchDocument): DocumentPostings {
  if (typeof doc?.text !== 'string') throw new AppError('VALIDATION', { field: 'text' })
  const fields = checkFields(doc.fields)
  const attrs = indexAttrs(checkAttrs(doc.attrs), fields)
  const text = normalizeText(doc.text)
  const { postings, length } = analyze(text, fields)
  return { text, length, attrs, postings, coded: true, keys: keysOf(attrs), source: fields }
}

export function createSearchIndex (store: SearchIndexStore): SearchService {
  store.setAnalyzer((text, attrs, source) => ({ ...analyze(text, Array.isArray(source) ? source as Array<[FieldName, string]> : []), keys: keysOf(attrs) }))

  /** Exact keys a search option requires: `undefined` when it can match nothing. */
  function requiredKeys (options: SearchOptions): string[] | undefined {
    const keys: string[] = []
    if (options.documentNumber !== undefined) {
      const key = typeof options.documentNumber === 'string' ? documentNumberKey(options.documentNumber) : ''
      if (key === '') return undefined
      keys.push(numberKeyTerm(key))
    }
    if (options.subjectId !== undefined) {
      const digits = typeof options.subjectId === 'string' ? options.subjectId.replace(/\D+/g, '') : ''
      if (digits === '') return undefined
      keys.push(subjectKeyTerm(digits))
    }
    return keys
  }

  /** Hits of the page: snippet from the text, summary fields, and (for a query) the fields that matched. */
  async function hitsOf (table: DocTable, shown: Array<{ ord: number, score: number, readers?: PositionsReader[][] }>, parsed?: ParsedQuery): Promise<SearchHit[]> {
    const ids = shown.map(s => table.ids[s.ord] ?? '')
    const [texts, attrs] = await Promise.all([store.texts(ids), store.attrsOf(shown.map(s => s.ord))])
    const clauses = parsed?.clauses ?? []
    const together = parsed === undefined ? [] : adjacentWords(parsed).map(pair => ({ terms: pair }))
    return shown.map((s, i) => {
      const a = attrs[i] ?? {}
      // A document keyed by more than its record (the province's replicas) names its record and replica.
      const hit: SearchHit = { recordId: typeof a.recordId === 'string' ? a.recordId : ids[i], score: s.score, snippet: makeSnippet(texts[i] ?? '', clauses, together), fields: summaryOf(a) }
      if (typeof a.replica === 'string') hit.replica = a.replica
      if (parsed !== undefined && s.readers !== undefined) hit.matchedFields = matchedFields(s.readers.map(r => r.map(x => x.get(0))))
      return hit
    })
  }

  return {
    async indexDocument (id: string, doc: SearchDocument): Promise<void> {
      await store.replace(checkId(id), prepare(doc))
    },

    async indexDocuments (items: Array<{ id: string, doc: SearchDocument }>): Promise<void> {
      // Checked and tokenised first: one bad document writes nothing.
      const prepared = items.map(({ id, doc }) => ({ id: checkId(id), doc: prepare(doc) }))
      if (prepared.length > 0) await store.replaceMany(prepared)
    },

    async removeDocument (id: string): Promise<boolean> {
      return await store.remove(checkId(id))
    },

    async search (query: string, options: SearchOptions = {}): Promise<SearchResults> {
      const { limit, offset } = page(options)
      const parsed = parseQuery(typeof query === 'string' ? query : '')
      const table = await store.docTable()
      const filter = compileFilter(options, table)
      const none = (): SearchResults => options.facets === true ? { total: 0, results: [], facets: countFacets([], table) } : { total: 0, results: [] }
      if (parsed.unmatchable || filter.none) return none()
      const keys = requiredKeys(options)
      if (keys === undefined) return none()
      const want = offset + limit

      let matches: Matches
      let segs: number[] = []
      let lists: Part[][] = []
      const terms = parsed.terms
      if (terms.length === 0 && keys.length === 0) {
        matches = { ords: [], scores: [], seg: [] }
        for (let ord = 0; ord < table.size; ord++) if (table.live[ord] === 1 && filter.test(ord)) matches.ords.push(ord)
      } else {
        lists = await store.lists([...terms, ...keys])
        if (lists.some(parts => parts.length === 0)) return none()
        const n = Math.max(1, table.liveCount)
        const averageLength = table.totalLength / n
        const termIdf = terms.map((_, i) => idf(n, lists[i].reduce((s, p) => s + p.ords.length, 0)))
        const phrases = parsed.clauses.filter(c => c.terms.length > 1).map(c => c.terms.map(t => terms.indexOf(t)))
        segs = [...new Set(lists.flatMap(parts => parts.map(p => p.seg)))]
        matches = { ords: [], scores: [], seg: [] }
        for (let si = 0; si < segs.length; si++) {
          const parts = lists.map(l => l.find(p => p.seg === segs[si]))
          if (parts.some(p => p === undefined)) continue
          const ps = parts as Part[]
          let driver = 0
          for (let t = 1; t < ps.length; t++) if (ps[t].ords.length < ps[driver].ords.length) driver = t
          const readers = phrases.length > 0 ? await Promise.all(ps.map(async (p, t) => phrases.some(ph => ph.includes(t)) ? await store.positions(p) : undefined)) : []
          const cursor = ps.map(() => 0)
          const idx = ps.map(() => 0)
          const d = ps[driver]
          outer: for (let i = 0; i < d.ords.length; i++) {
            const ord = d.ords[i]
            for (let t = 0; t < ps.length; t++) {
              if (t === driver) { idx[t] = i; continue }
              const at = seek(ps[t].ords, ord, cursor[t])
              if (at < 0) { cursor[t] = -at - 1; if (cursor[t] >= ps[t].ords.length) break outer; continue outer }
              cursor[t] = at; idx[t] = at
            }
            if (table.live[ord] !== 1 || !filter.test(ord)) continue
            let ok = true
            for (const ph of phrases) if (!hasPhrase(ph.map(t => readers[t]!.get(idx[t])))) { ok = false; break }
            if (!ok) continue
            let score = 0
            const length = table.length[ord]
            for (let t = 0; t < terms.length; t++) {
              const code = ps[t].codes[idx[t]]
              score += bm25Term(code >> 1, length, averageLength, termIdf[t])
              if ((code & 1) === 1) score += FIELD_BONUS * termIdf[t]
            }
            matches.ords.push(ord); matches.scores.push(score); matches.seg.push(si)
          }
        }
      }

      if (filter.slow !== undefined && matches.ords.length > 0) {
        // Attributes outside the in-memory columns: read for every match (rare filters; not on request paths at scale).
        const attrs = await store.attrsOf(matches.ords)
        const keep = matches.ords.map((_, i) => attrs[i] !== undefined && filter.slow!(attrs[i]!))
        matches = { ords: matches.ords.filter((_, i) => keep[i]), scores: matches.scores.filter((_, i) => keep[i]), seg: matches.seg.filter((_, i) => keep[i]) }
      }
      const total = matches.ords.length
      const idOf = (ord: number): string => table.ids[ord] ?? ''
      let results: SearchHit[]
      if (terms.length === 0) {
        // Listing: newest first, then the id (time-ordered).
        const ords = matches.ords
        const top = new Best(want, (a, b) => {
          const ca = table.created[ords[a]]; const cb = table.created[ords[b]]
          return ca !== cb ? ca > cb : idOf(ords[a]) > idOf(ords[b])
        })
        for (let i = 0; i < total; i++) top.push(i)
        const best = top.result()
        results = await hitsOf(table, best.slice(offset, offset + limit).map(i => ({ ord: ords[i], score: 0 })))
      } else {
        const { ords, scores } = matches
        const top = new Best(Math.max(RERANK, 2 * want), (a, b) => scores[a] !== scores[b] ? scores[a] > scores[b] : idOf(ords[a]) > idOf(ords[b]))
        for (let i = 0; i < total; i++) top.push(i)
        const best = top.result()
        const pairs = adjacentWords(parsed).map(([a, b]) => ({ a: terms.indexOf(a), b: terms.indexOf(b) }))
        const n = Math.max(1, table.liveCount)
        const pairIdf = (t: number): number => idf(n, lists[t].reduce((s, p) => s + p.ords.length, 0))
        // Positions of the best matches: one reader per (term, segment) part, the posting found by binary search.
        const readerCache = new Map<Part, PositionsReader>()
        const positionsOf = async (t: number, i: number): Promise<number[]> => {
          const part = lists[t].find(p => p.seg === segs[matches.seg[i]])!
          let r = readerCache.get(part)
          if (r === undefined) { r = await store.positions(part); readerCache.set(part, r) }
          return r.get(seek(part.ords, ords[i], 0))
        }
        const rescored: Array<{ i: number, score: number }> = []
        for (const i of best) {
          let score = scores[i]
          for (const pair of pairs) {
            if (hasPhrase([await positionsOf(pair.a, i), await positionsOf(pair.b, i)])) score += ADJACENCY_WEIGHT * (pairIdf(pair.a) + pairIdf(pair.b))
          }
          rescored.push({ i, score })
        }
        rescored.sort((x, y) => y.score - x.score || (idOf(ords[x.i]) < idOf(ords[y.i]) ? 1 : idOf(ords[x.i]) > idOf(ords[y.i]) ? -1 : 0))
        const shown = []
        for (const r of rescored.slice(offset, offset + limit)) {
          const readers = []
          for (const clause of parsed.clauses) {
            const per = []
            for (const term of clause.terms) { const list = await positionsOf(terms.indexOf(term), r.i); per.push({ get: () => list }) }
            readers.push(per)
          }
          shown.push({ ord: ords[r.i], score: r.score, readers })
        }
        results = await hitsOf(table, shown, parsed)
      }
      const out: SearchResults = { total, results }
      if (options.facets === true) out.facets = countFacets(matches.ords, table)
      return out
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
