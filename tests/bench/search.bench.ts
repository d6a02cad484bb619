/**
 * Full-text search at archive scale: N synthetic Vietnamese administrative documents (~2,000 characters each) are
 * indexed one by one into a real LevelDB in a temp dir, as records are (text, lifecycle attributes and the fields
 * extraction reads), then typical 2–3 word queries, phrases and document numbers are timed, and the records'
 * own questions: exact lookups, filtered queries, facets over every hit. Not part of the test suite: call
 * `benchSearch()` from the bench runner.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { createSearchIndex } from '../../appliance/src/search/index.js'
import { SearchIndexStore } from '../../appliance/src/store/search-index.js'
import { percentile } from './stats.js'

const HO = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Võ', 'Đỗ', 'Ngô', 'Dương', 'Lý', 'Rơ Mah', 'Ksor', 'Nay', 'Kpă', 'Siu']
const DEM = ['Văn', 'Thị', 'Hồng', 'Minh', 'Đức', 'Quốc', 'Ngọc', 'Thanh', 'Hữu', 'Xuân']
const TEN = ['An', 'Bình', 'Quang', 'Dũng', 'Hương', 'Lan', 'Mai', 'Hiếu', 'Thảo', 'Yến', 'Vinh', 'Phúc', 'Hạnh', 'Nam', 'Blơi', 'Hùng']
const HUYEN = ['Ia Grai', 'Krông Pa', 'Chư Sê', 'Chư Prông', 'Đức Cơ', 'Mang Yang', 'Kbang', 'Đak Đoa', 'Phú Thiện', 'Ia Pa', 'Chư Păh', 'Kông Chro']
const XA = ['Dun', 'Ia Blang', 'Hà Bầu', 'Ia Dêr', 'Bình Giáo', 'Ia Tô', 'Chư A Thai', 'Ia Kla', 'Hà Tây', 'Ia Sao', 'Ayun', 'Kon Thụp']
const THON = ['Hòa Bình', 'Thôn 1', 'Thôn 2', 'Plei Ốp', 'Làng Mới', 'Tân Lập', 'Đoàn Kết', 'Quyết Thắng']
const NGANH = ['bán lẻ hàng hóa tổng hợp', 'sửa chữa xe máy', 'dịch vụ ăn uống', 'mua bán nông sản', 'may mặc', 'vật liệu xây dựng']

/** Deterministic, so two runs index the same corpus. */
export function rng (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32 }
}

export interface Fake {
  text: string
  unit: string
  number: string
  name: string
  /** What extraction would read from the text (issue date, type, issuer, holder and ID). */
  fields: { documentType: string, documentNumber: string, issuedDate: string, issuer: string, subjectName: string, subjectId: string }
}

export function makeDoc (random: () => number, n: number): Fake {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1))
  const pad = (x: number): string => String(x).padStart(2, '0')
  const person = (): string => `${pick(HO)} ${pick(DEM)} ${pick(TEN)}`
  const huyen = pick(HUYEN)
  const name = person()
  const kind = pick(['GPXD', 'QĐ', 'TLKS', 'HKD'])
  const number = `${int(1, 3000)}/${kind}-UBND`
  const date = `${pad(int(1, 28))}/${pad(int(1, 12))}/${int(2005, 2024)}`
  // Drawn in the order the text uses them, so the texts are the same as before fields were added.
  const [day, month, year] = [int(1, 28), int(1, 12), int(2005, 2024)]
  const documentType = pick(['GIẤY PHÉP XÂY DỰNG', 'QUYẾT ĐỊNH', 'TRÍCH LỤC KHAI SINH', 'GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH'])
  const subjectId = `0643${int(10000000, 99999999)}`
  const lines = [
    'ỦY BAN NHÂN DÂN', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', `HUYỆN ${huyen.toUpperCase()}`, 'Độc lập - Tự do - Hạnh phúc',
    `Số: ${number}`, `${huyen}, ngày ${pad(day)} tháng ${pad(month)} năm ${year}`,
    documentType,
    `Cấp cho: Ông (bà) ${name}`, `Số CCCD: ${subjectId}`, `Ngày, tháng, năm sinh: ${date}`
  ]
  while (lines.join('\n').length < 1900) {
    lines.push(pick([
      `Địa chỉ: thôn ${pick(THON)}, xã ${pick(XA)}, huyện ${huyen}, tỉnh Gia Lai.`,
      `Được phép xây dựng công trình: nhà ở riêng lẻ, diện tích xây dựng ${int(40, 200)} m2, chiều cao ${int(4, 15)} m, số tầng: ${int(1, 4)}.`,
      `Thu hồi ${int(100, 5000)} m2 đất tại thửa đất số ${int(1, 900)}, tờ bản đồ số ${int(1, 60)}, xã ${pick(XA)}, để thực hiện dự án đường giao thông nông thôn.`,
      `Ngành, nghề kinh doanh: ${pick(NGANH)}; vốn kinh doanh: ${int(10, 999)}.000.000 đồng.`,
      `Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật Đất đai năm ${pick(['2003', '2013', '2024'])}.`,
      `Xét đề nghị của Trưởng phòng Tài nguyên và Môi trường huyện ${huyen} tại Tờ trình số ${int(1, 900)}/TTr-TNMT.`,
      `Giấy phép này có hiệu lực khởi công xây dựng trong thời hạn ${int(6, 12)} tháng kể từ ngày cấp.`,
      `Người thân: ${person()}, ${person()}; nơi sinh: Trạm Y tế xã ${pick(XA)}, huyện ${huyen}.`,
      `Điều ${int(1, 5)}. Chánh Văn phòng HĐND và UBND huyện, ông (bà) ${person()} chịu trách nhiệm thi hành Quyết định này.`
    ]))
  }
  lines.push('KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH', person())
  const fields = { documentType, documentNumber: number, issuedDate: `${year}-${pad(month)}-${pad(day)}`, issuer: `ỦY BAN NHÂN DÂN HUYỆN ${huyen.toUpperCase()}`, subjectName: name, subjectId }
  return { text: lines.join('\n'), unit: String(600 + (n % 17)), number, name, fields }
}

/** A record's lifecycle attributes, spread over the corpus without using the random sequence. */
function lifecycle (n: number): { status: string, validity: string, createdAt: string } {
  return { status: ['draft', 'approved', 'archived'][n % 3], validity: n % 10 === 0 ? 'expired' : 'valid', createdAt: new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString() }
}

const round = (x: number): number => Math.round(x * 100) / 100

export async function benchSearch (options: { docs?: number, rounds?: number } = {}): Promise<Record<string, number>> {
  const docs = options.docs ?? 10_000
  const rounds = options.rounds ?? 20
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-bench-search-'))
  const db = new Level<string, any>(join(dir, 'db'), { valueEncoding: 'json' })
  try {
    await db.open()
    const search = createSearchIndex(new SearchIndexStore(db.sublevel<string, any>('index', { valueEncoding: 'json' })))
    const random = rng(42)
    const samples: Fake[] = []
    const indexTimes: number[] = []
    let chars = 0
    const started = performance.now()
    for (let i = 0; i < docs; i++) {
      const doc = makeDoc(random, i)
      chars += doc.text.length
      if (i % Math.max(1, Math.floor(docs / 20)) === 0) samples.push(doc)
      const t0 = performance.now()
      await search.indexDocument(`r${String(i).padStart(6, '0')}`, { text: doc.text, attrs: { unit: doc.unit, ...lifecycle(i) }, fields: doc.fields })
      indexTimes.push(performance.now() - t0)
    }
    const indexSeconds = (performance.now() - started) / 1000

    // A fresh handle, as after a restart: the first query loads the document table.
    const coldStore = new SearchIndexStore(db.sublevel<string, any>('index', { valueEncoding: 'json' }))
    const cold = createSearchIndex(coldStore)
    const c0 = performance.now()
    await cold.search('nguyen van an')
    const firstQueryMs = performance.now() - c0

    const queries = benchQueries(samples)
    // Round 0 reads every posting list from LevelDB; later rounds find common terms' lists in the cache.
    const coldTimes: number[] = []
    const queryTimes: number[] = []
    const totals: number[] = []
    for (let r = 0; r < rounds; r++) {
      for (const q of queries) {
        const t0 = performance.now()
        const res = await cold.search(q, { limit: 20, ...(r % 4 === 3 ? { units: ['605'] } : {}) })
        ;(r === 0 ? coldTimes : queryTimes).push(performance.now() - t0)
        if (r === 0) totals.push(res.total)
      }
    }
    // Records' own questions, on the warm index: exact lookups, filtered queries, facets over every hit.
    const lookupTimes: number[] = []
    const filteredTimes: number[] = []
    const facetTimes: number[] = []
    const lookups = samples.slice(0, 10)
    for (let r = 0; r < Math.max(1, rounds / 4); r++) {
      for (const s of lookups) {
        let t0 = performance.now()
        await cold.search('', { documentNumber: s.number.toLowerCase() })
        await cold.search('', { subjectId: s.fields.subjectId })
        lookupTimes.push((performance.now() - t0) / 2)
        t0 = performance.now()
        await cold.search('thu hoi dat', { documentTypes: ['quyết định'], issuedFrom: '2010', issuedTo: '2020-06', statuses: ['approved', 'archived'], validity: ['valid'] })
        filteredTimes.push(performance.now() - t0)
      }
      for (const q of ['giay phep xay dung', '', samples[0].name]) {
        const t0 = performance.now()
        await cold.search(q, { facets: true })
        facetTimes.push(performance.now() - t0)
      }
    }

    // What a restarted appliance spends filling the cache in the background.
    const w0 = performance.now()
    const warmed = await createSearchIndex(new SearchIndexStore(db.sublevel<string, any>('index', { valueEncoding: 'json' }))).warmUp()
    const warmUpMs = performance.now() - w0
    const stats = await cold.stats()
    const cachedPostings = coldStore.cached.postings
    return {
      search_docs: docs,
      search_doc_chars_avg: Math.round(chars / docs),
      search_terms: stats.terms,
      search_index_docs_per_s: Math.round(docs / indexSeconds),
      search_index_doc_p50_ms: round(percentile(indexTimes, 50)),
      search_index_doc_p99_ms: round(percentile(indexTimes, 99)),
      search_first_query_ms: round(firstQueryMs),
      search_query_cold_p50_ms: round(percentile(coldTimes, 50)),
      search_query_cold_p99_ms: round(percentile(coldTimes, 99)),
      search_query_p50_ms: round(percentile(queryTimes, 50)),
      search_query_p99_ms: round(percentile(queryTimes, 99)),
      search_query_max_ms: round(Math.max(...queryTimes)),
      search_hits_median: percentile(totals, 50),
      search_lookup_p50_ms: round(percentile(lookupTimes, 50)),
      search_filtered_query_p50_ms: round(percentile(filteredTimes, 50)),
      search_facets_query_p50_ms: round(percentile(facetTimes, 50)),
      search_facets_query_max_ms: round(Math.max(...facetTimes)),
      search_warm_up_ms: Math.round(warmUpMs),
      search_warm_up_postings: warmed.postings,
      search_cached_postings: cachedPostings
    }
  } finally {
    if (db.status === 'open') await db.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/** The queries both search benches time: words, a phrase, names, numbers and names taken from the generated records. */
export function benchQueries (samples: Fake[]): string[] {
  return [
    'nguyen van an', 'giay phep xay dung', 'thu hoi dat', 'ia grai', 'chu se gia lai', 'ho kinh doanh',
    '"nhà ở riêng lẻ"', 'ksor hieu', 'sửa chữa xe máy', 'phu thien 2018',
    ...samples.slice(0, 5).map(s => s.number), ...samples.slice(5, 10).map(s => s.name)
  ]
}
