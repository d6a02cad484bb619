/**
 * The result-type table (retention and validity per result type) as a shared table: the province sends its own,
 * a district takes a newer one, keeps it (`meta: sharedResultTypes`, so it survives restarts) and updates the live
 * table in place, so the archiver that holds it files the next record by the province's rules.
 */
import { AppError } from '../errors/index.js'
import type { ResultTypeTable } from '../records/index.js'
import { RETENTIONS, type Store } from '../store/index.js'
import type { SharedTable } from '../../../sync/src/index.js'
import type { SharedTableHandler } from './district.js'

const NAME = 'result-types'

/** Province: what it sends down. */
export function resultTypesToSend (table: ResultTypeTable): () => Promise<SharedTable[]> {
  return async () => [{ name: NAME, version: table.version, document: table }]
}

/** District: how it takes the province's table (`live` is the object the archiver uses). */
export function resultTypesToTake (store: Store, live: ResultTypeTable): SharedTableHandler {
  return {
    name: NAME,
    version: async () => live.version,
    apply: async (document) => {
      const table = checkTable(document)
      if (table.version <= live.version) return
      await store.tx().putMeta('sharedResultTypes', table).commit()
      Object.assign(live, table)
    }
  }
}

/** At start: a table taken from the province earlier wins over the shipped one when it is newer. */
export async function loadTakenResultTypes (store: Store, live: ResultTypeTable): Promise<void> {
  const taken = await store.getMeta('sharedResultTypes')
  if (taken && taken.version > live.version) Object.assign(live, taken)
}

function checkTable (document: unknown): ResultTypeTable {
  const t = document as ResultTypeTable
  const ok = t !== null && typeof t === 'object' && Number.isSafeInteger(t.version) && RETENTIONS.includes(t.default) &&
    Array.isArray(t.resultTypes) && t.resultTypes.every(r => r !== null && typeof r === 'object' && RETENTIONS.includes(r.retention) &&
      (r.code === null || typeof r.code === 'string') && (r.documentType === null || typeof r.documentType === 'string') &&
      (r.validityMonths === null || (Number.isSafeInteger(r.validityMonths) && r.validityMonths >= 0)))
  if (!ok) throw new AppError('VALIDATION', { resultTypes: 'the province sent a malformed result-type table' })
  return { version: t.version, default: t.default, resultTypes: t.resultTypes.map(r => ({ code: r.code, documentType: r.documentType, retention: r.retention, validityMonths: r.validityMonths })) }
}
