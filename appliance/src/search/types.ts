/** The search module's public shapes. */
import type { AttrValue, DocAttrs } from '../store/search-index.js'

export type { AttrValue, DocAttrs }

export interface SearchDocument {
  /** The document's text (any Unicode normal form). */
  text: string
  /** What it can be filtered on: `unit` now; document type, status, dates and validity as they are extracted. */
  attrs?: DocAttrs
}

/** Allowed values (any one matches; for a list-valued attribute, any element), or a range (same-type comparison). */
export type AttrFilter = AttrValue[] | { gte?: string | number, lte?: string | number }

export interface SearchOptions {
  /** Only documents of these units (an empty list matches nothing). Shorthand for `filters.unit`. */
  units?: string[]
  /** attribute → filter; every filter must hold. */
  filters?: Record<string, AttrFilter>
  /** Default 20, at most 1000. */
  limit?: number
  offset?: number
}

export interface SearchHit {
  recordId: string
  /** BM25; 0 when listing without a query. */
  score: number
  /** HTML: escaped text with matches in `<mark>`. */
  snippet: string
}

export interface SearchResults {
  /** All matching documents, not only this page. */
  total: number
  results: SearchHit[]
}

export interface SearchStats {
  documents: number
  /** Sum of all documents' token counts. */
  totalLength: number
  averageLength: number
  /** Distinct terms. */
  terms: number
}

export interface SearchService {
  /** Indexes or re-indexes a document: its old postings go and its new ones come in one atomic write. */
  indexDocument: (id: string, doc: SearchDocument) => Promise<void>
  /** False when the document was not indexed. */
  removeDocument: (id: string) => Promise<boolean>
  /**
   * All clauses must match. An empty query lists the documents the filters allow, newest first; a query of
   * punctuation only matches nothing.
   */
  search: (query: string, options?: SearchOptions) => Promise<SearchResults>
  /** Empties the index (before a full `sohoa reindex`). */
  clear: () => Promise<void>
  stats: () => Promise<SearchStats>
  /** Reads the most common words' postings into memory (call it in the background after start). */
  warmUp: () => Promise<{ terms: number, postings: number }>
}
