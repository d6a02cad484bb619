/**
 * Full-text search over records' recognised text, Vietnamese-aware: matching ignores case, tones and vowel marks
 * (`nguyen van an` finds `Nguyễn Văn An`), keeps document numbers and dates findable whole or by part, ranks with
 * BM25 and returns HTML snippets. The index is incremental and persisted by `store/search-index.ts`; one
 * document's update is one atomic write.
 *
 * ```ts
 * const search = createSearchIndex(new SearchIndexStore(sublevel))
 * await search.indexDocument(record.id, { text, attrs: { unit: record.unit } })
 * await search.search('"giấy phép" ia grai', { units: ['622'], limit: 20 })
 * ```
 */
export { createSearchIndex } from './engine.js'
export { foldVietnamese, normalizeText } from './fold.js'
export { tokenize, type Token } from './tokenize.js'
export { parseQuery, type Clause, type ParsedQuery } from './query.js'
export { escapeHtml } from './snippet.js'
export type * from './types.js'

/** The name the composition root uses. */
export { createSearchIndex as createSearchService } from './engine.js'
