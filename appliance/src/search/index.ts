/**
 * Full-text search over records' recognised text and extracted fields, Vietnamese-aware: matching ignores case,
 * tones and vowel marks (`nguyen van an` finds `Nguyễn Văn An`), keeps document numbers and dates findable whole
 * or by part, ranks with BM25 (a match in a field above a match in the text only) and returns HTML snippets.
 * Records are filtered on unit, document type, issue date, status and validity, looked up exactly by document
 * number or personal ID, and counted by facet. The index is incremental and persisted by
 * `store/search-index.ts`; one document's update is one atomic write.
 *
 * ```ts
 * const search = createSearchIndex(new SearchIndexStore(sublevel))
 * await search.indexDocument(record.id, { text, attrs: { unit: record.unit, status: 'draft' }, fields: { documentNumber: '1470/GPXD-UBND' } })
 * await search.search('"giấy phép" ia grai', { units: ['622'], issuedFrom: '2018', facets: true, limit: 20 })
 * await search.search('', { documentNumber: '1470 / gpxd-ubnd' })
 * ```
 */
export { createSearchIndex } from './engine.js'
export { foldVietnamese, normalizeText } from './fold.js'
export { tokenize, type Token } from './tokenize.js'
export { parseQuery, type Clause, type ParsedQuery } from './query.js'
export { escapeHtml } from './snippet.js'
export {
  RECORD_STATUSES, VALIDITY_STATES, SUMMARY_FIELDS, documentNumberKey, digitsOnly,
  type RecordStatusValue, type ValidityValue
} from './attributes.js'
export { MAX_FACET_VALUES } from './facets.js'
export type * from './types.js'

/** The name the composition root uses. */
export { createSearchIndex as createSearchService } from './engine.js'
