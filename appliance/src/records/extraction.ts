/** Reads a record's fields once every page of it has been recognised (and again after its pages were regrouped). */
import { extractFields } from '../extract/index.js'
import type { ExtractedFields, KnownLists } from '../extract/types.js'
import type { PageText, Store } from '../store/index.js'
import type { Unit } from '../store/types.js'
import { loadResultTypes } from './retention.js'

export async function readRecordFields (store: Store, recordId: string, known?: KnownLists): Promise<ExtractedFields | null> {
  const record = await store.getRecord(recordId)
  if (!record || record.status !== 'draft' || record.pageIds.length === 0) return null
  const texts = await store.getPageTexts(record.pageIds)
  if (texts.some(t => t === undefined)) return null
  return extractFields(texts as PageText[], known ?? await storeKnownLists(store))
}

/** The node's catalogue as it is now (units are edited and sent down) and the shipped result types. */
export async function storeKnownLists (store: Store): Promise<KnownLists> {
  const units: Unit[] = []
  for await (const u of store.listUnits()) units.push(u)
  shippedTypes ??= loadResultTypes().resultTypes
  return knownLists(units, shippedTypes)
}
let shippedTypes: Array<{ documentType: string | null }> | undefined

/**
 * The lists extraction snaps its readings to: every unit's People's Committee by its current and former names
 * (`ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ`), and the result types' names.
 */
export function knownLists (units: Unit[], resultTypes: Array<{ documentType: string | null }>): KnownLists {
  const issuers = new Set<string>()
  for (const u of units) {
    for (const name of [...(u.formerNames ?? []).map(f => f.name), u.name]) issuers.add(`ỦY BAN NHÂN DÂN ${name.normalize('NFC').toUpperCase()}`)
  }
  const documentTypes = [...new Set(resultTypes.map(t => t.documentType).filter((t): t is string => !!t).map(t => t.normalize('NFC').toUpperCase()))]
  return { issuers: [...issuers], documentTypes }
}
