/**
 * Facet counts over every matching document (not only the page shown): unit, document type, status, validity
 * and year of issue. A document without the attribute is not counted for that facet. Counts are of the result
 * set as filtered, so a facet whose own filter is set shows just the chosen values.
 */
import type { ColumnName, DocTable } from '../store/index.js'

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
  /** Province: the district replica (peer ID) of each record; the node's own records are not counted here. */
  replica: FacetCount[]
}

/** Values listed per facet, most frequent first: a response stays small even for a free-text attribute. */
export const MAX_FACET_VALUES = 100

const FACETS: Array<[keyof SearchFacets, ColumnName, (v: unknown) => unknown]> = [
  ['unit', 'unit', v => v],
  ['documentType', 'documentType', v => v],
  ['status', 'status', v => v],
  ['validity', 'validity', v => v],
  ['issuedYear', 'issuedDate', v => typeof v === 'string' ? v.slice(0, 4) : undefined],
  ['replica', 'replica', v => v]
]

/** Counts by dictionary code first (one array read per match and facet), then names the codes. */
export function countFacets (ords: ArrayLike<number>, table: DocTable): SearchFacets {
  const out = {} as SearchFacets
  for (const [name, columnName, valueOf] of FACETS) {
    const { column, codes } = table.column(columnName)
    const byCode = new Uint32Array(column.values.length)
    for (let i = 0; i < ords.length; i++) byCode[codes[ords[i]]]++
    const counts = new Map<string, number>()
    byCode.forEach((n, code) => {
      if (n === 0 || code === 0) return
      const value = valueOf(column.values[code])
      if (typeof value === 'string' && value !== '') counts.set(value, (counts.get(value) ?? 0) + n)
    })
    out[name] = [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, MAX_FACET_VALUES)
  }
  return out
}
