/** The search module's public shapes. */
import type { FieldName } from '../extract/index.js'
import type { AttrValue, DocAttrs } from '../store/index.js'
import type { RecordStatusValue, SearchFields, SummaryField, ValidityValue } from './attributes.js'
import type { FacetCount, SearchFacets } from './facets.js'

export type { AttrValue, DocAttrs, FacetCount, SearchFacets, SearchFields, SummaryField }

export interface SearchDocument {
  /** The document's text (any Unicode normal form). */
  text: string
  /**
   * What it can be filtered and faceted on (see attributes.ts): `unit`, `status`, `validity`, `documentType`,
   * `issuedDate` (ISO), `documentNumber`, `subjectId`, `issuer`, `createdAt` (newest first when listing), any other.
   * Missing document attributes are taken from `fields`.
   */
  attrs?: DocAttrs
  /**
   * Extracted fields (`null`/absent: not read). Searched like the text, accent- and case-insensitive; a match in a
   * field ranks above a match in the text only. Unknown names are refused.
   */
  fields?: SearchFields
}

/** Allowed values (any one matches; for a list-valued attribute, any element), or a range (same-type comparison). */
export type AttrFilter = AttrValue[] | { gte?: string | number, lte?: string | number }

/** Every option given must hold; list options match any one of their values (an empty list matches nothing). */
export interface SearchOptions {
  /** Only documents of these units. */
  units?: string[]
  /** Province: only records of these district replicas (peer IDs). */
  replicas?: string[]
  /** Document types as printed (facet values); compared without case, accents or extra spaces. */
  documentTypes?: string[]
  /** Issued on or after: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a partial date from its first day). */
  issuedFrom?: string
  /** Issued on or before: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a partial date up to its last day). */
  issuedTo?: string
  statuses?: RecordStatusValue[]
  validity?: ValidityValue[]
  /** Exact document number: case, white space, dash variants and Đ/D ignored (`1470 / gpxd-ubnd`). */
  documentNumber?: string
  /** Exact personal ID number: its digits (spaces or dots typed with it are ignored). */
  subjectId?: string
  /** attribute → filter, on the stored attributes as they are. */
  filters?: Record<string, AttrFilter>
  /** Also count unit, documentType, status, validity and issued year over all matching documents. */
  facets?: boolean
  /** Default 20, at most 1000. */
  limit?: number
  offset?: number
}

export interface SearchHit {
  recordId: string
  /** BM25 (+ a bonus per term found in a field); 0 when listing without a query. */
  score: number
  /** HTML: escaped text with matches in `<mark>`. */
  snippet: string
  /** documentType, documentNumber (as printed), issuedDate, issuer: those indexed. */
  fields: Partial<Record<SummaryField, string>>
  /** Province: the district replica the record came from (its peer ID); absent for the node's own records. */
  replica?: string
  /** The fields in which the query matched (in FIELD_NAMES order); absent when listing. */
  matchedFields?: FieldName[]
}

export interface SearchResults {
  /** All matching documents, not only this page. */
  total: number
  results: SearchHit[]
  /** When asked for: counts over all `total` matching documents. */
  facets?: SearchFacets
}

export interface SearchStats {
  documents: number
  /** Sum of all documents' token counts (text and fields). */
  totalLength: number
  averageLength: number
  /** Distinct terms. */
  terms: number
}

export interface SearchService {
  /** Indexes or re-indexes a document: its old postings go and its new ones come in one atomic write. */
  indexDocument: (id: string, doc: SearchDocument) => Promise<void>
  /** Many documents in one write (bulk builds, reindex): as if indexed one by one, in order. */
  indexDocuments: (items: Array<{ id: string, doc: SearchDocument }>) => Promise<void>
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
  /**
   * True when the index was written by an older layout and not rebuilt since: documents without fields or lookup
   * keys may remain. `sohoa reindex` (clear, then index every record) makes it false.
   */
  reindexAdvised: () => Promise<boolean>
  /** Reads the most common words' postings into memory (call it in the background after start). */
  warmUp: () => Promise<{ terms: number, postings: number }>
}
