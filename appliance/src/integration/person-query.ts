/**
 * Which searches select records by a person (issue 15, item 8). A person's data is read through one door whatever
 * the route: a search that names a personal ID (the `subjectId` filter, or an ID-shaped number in the words) or
 * whose words matched a record's subject name or ID field needs the `person` permission and a purpose, and is
 * written to the lookup audit trail before its answer leaves, like the integration lookups.
 */
import type { SearchHit } from '../search/index.js'

/** A citizen ID (CCCD, 12 digits) or an old identity card number (CMND, 9 digits), as typed (spaces or dots inside). */
const ID_IN_WORDS = /(?<![0-9])(?:[0-9][ .]?){8}[0-9](?:(?:[ .]?[0-9]){3})?(?![0-9])/

/** Fields whose match means the words named a person. */
const PERSON_FIELDS = new Set(['subjectName', 'subjectId'])

/** Known before searching: the query names a personal ID. */
export function namesPersonalId (q: string, subjectId: string | undefined): boolean {
  return subjectId !== undefined || ID_IN_WORDS.test(q)
}

/** Known after searching: the words matched a record's subject (a search by a person's name). */
export function matchedPerson (hits: readonly SearchHit[]): boolean {
  return hits.some(h => h.matchedFields?.some(f => PERSON_FIELDS.has(f)) ?? false)
}

/** The personal ID a search named (for the audit trail's by-ID index): the filter, else the number in the words. */
export function personalIdOf (q: string, subjectId: string | undefined): string | null {
  if (subjectId !== undefined) return subjectId.replace(/[ .]/g, '')
  const m = ID_IN_WORDS.exec(q)
  return m ? m[0].replace(/[ .]/g, '') : null
}
