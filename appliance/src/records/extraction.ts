/** Reads a record's fields once every page of it has been recognised (and again after its pages were regrouped). */
import { extractFields } from '../extract/index.js'
import type { ExtractedFields, KnownLists } from '../extract/index.js'
import type { PageText, Store } from '../store/index.js'
import type { Unit } from '../store/index.js'
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
    for (const name of [...(u.formerNames ?? []).map(f => f.name), u.name]) {
      const unit = name.normalize('NFC').toUpperCase()
      issuers.add(`ỦY BAN NHÂN DÂN ${unit}`)
      // The specialised bodies under the committee (NĐ 107/2020 and 108/2020), alone and with the unit's name.
      if (u.level === 'province') for (const d of DEPARTMENTS) { issuers.add(`SỞ ${d}`); issuers.add(`SỞ ${d} ${unit}`) }
      if (u.level === 'district') for (const o of OFFICES) issuers.add(`PHÒNG ${o}`)
    }
  }
  const documentTypes = [...new Set(resultTypes.map(t => t.documentType).filter((t): t is string => !!t).map(t => t.normalize('NFC').toUpperCase()))]
  return { issuers: [...issuers], documentTypes }
}

/** Departments of a province's People's Committee (NĐ 107/2020), as printed after `SỞ`. */
const DEPARTMENTS = [
  'NỘI VỤ', 'TƯ PHÁP', 'KẾ HOẠCH VÀ ĐẦU TƯ', 'TÀI CHÍNH', 'CÔNG THƯƠNG', 'NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN',
  'GIAO THÔNG VẬN TẢI', 'XÂY DỰNG', 'TÀI NGUYÊN VÀ MÔI TRƯỜNG', 'THÔNG TIN VÀ TRUYỀN THÔNG', 'LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI',
  'VĂN HÓA, THỂ THAO VÀ DU LỊCH', 'KHOA HỌC VÀ CÔNG NGHỆ', 'GIÁO DỤC VÀ ĐÀO TẠO', 'Y TẾ'
]
/** Offices of a district's People's Committee (NĐ 108/2020), as printed after `PHÒNG`. */
const OFFICES = [
  'NỘI VỤ', 'TƯ PHÁP', 'TÀI CHÍNH - KẾ HOẠCH', 'TÀI NGUYÊN VÀ MÔI TRƯỜNG', 'LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI',
  'VĂN HÓA VÀ THÔNG TIN', 'GIÁO DỤC VÀ ĐÀO TẠO', 'Y TẾ', 'KINH TẾ VÀ HẠ TẦNG', 'NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN', 'KINH TẾ'
]
