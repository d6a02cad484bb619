/** Reads a record's fields once every page of it has been recognised (and again after its pages were regrouped). */
import { extractFields } from '../extract/index.js'
import type { ExtractedFields } from '../extract/types.js'
import type { PageText, Store } from '../store/index.js'

export async function readRecordFields (store: Store, recordId: string): Promise<ExtractedFields | null> {
  const record = await store.getRecord(recordId)
  if (!record || record.status !== 'draft' || record.pageIds.length === 0) return null
  const texts = await store.getPageTexts(record.pageIds)
  if (texts.some(t => t === undefined)) return null
  return extractFields(texts as PageText[])
}
