/**
 * Facet counts over every matching document (not only the page shown): unit, document type, status, validity
 * and year of issue. A document without the attribute is not counted for that facet. Counts are of the result
 * set as filtered, so a facet whose own filter is set shows just the chosen values.
 */
import type { DocAttrs, IndexedDoc } from '../store/search-index.js'

export interface FacetCount {
  value: string
  count: number
}

export interface SearchFacets {
  unit: FacetCount[]
  documentType: FacetCount[]
  status: FacetCount[]
  validity: FacetCount[]
  /** From `issuedDate`. */
  issuedYear: FacetCount[]
}

/** Values listed per facet, most frequent first: a response stays small even for a free-text attribute. */
export const MAX_FACET_VALUES = 100

const FACETS: Array<[keyof SearchFacets, (attrs: DocAttrs) => unknown]> = [
  ['unit', a => a.unit],
  ['documentType', a => a.documentType],
  ['status', a => a.status],
  ['validity', a => a.validity],
  ['issuedYear', a => typeof a.issuedDate === 'string' ? a.issuedDate.slice(0, 4) : undefined]
]

export function countFacets (ids: Iterable<string>, docs: ReadonlyMap<string, IndexedDoc>): SearchFacets {
  const counts = FACETS.map(() => new Map<string, number>())
  for (const id of ids) {
    const attrs = docs.get(id)?.attrs
    if (attrs === undefined) continue
    for (let i = 0; i < FACETS.length; i++) {
      const value = FACETS[i][1](attrs)
      if (typeof value === 'string' && value !== '') counts[i].set(value, (counts[i].get(value) ?? 0) + 1)
    }
  }
  const out = {} as SearchFacets
  FACETS.forEach(([name], i) => {
    out[name] = [...counts[i]]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, MAX_FACET_VALUES)
  })
  return out
}
