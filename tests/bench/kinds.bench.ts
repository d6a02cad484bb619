/**
 * Key fields on kinds of results the extractor was not written for: the generated corpus
 * (tests/fixtures/generator) through the appliance's own path (preparePage, the tesseract.js pool, then
 * extractFields with the node's catalogues), compared exactly (NFC, single spaces, case-insensitive). Per field and
 * per kind, the kinds tuned on apart from the kinds held out, and the confidently-wrong rate: a field read with a
 * value, a confidence at or above the review threshold, and the wrong value.
 * `SOHOA_BENCH_OCR_CACHE=<dir>` keeps each page's OCR words between runs (development only: the figures of record
 * are taken without it).
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CONFIDENT, extractFields, type ExtractedFields, type KnownLists, type Party } from '../../appliance/src/extract/index.js'
import { preparePage, DEFAULT_MAX_PIXELS } from '../../appliance/src/imaging/index.js'
import type { OcrPool } from '../../appliance/src/ocr/index.js'
import type { PageText } from '../../appliance/src/store/types.js'
import { generatePages, type GeneratedPage, type Truth } from '../fixtures/generator/index.js'
import { knownListsForTests } from '../fixtures/generator/known.js'
import { cerAnyOrder } from '../ocr/cer.js'
import { mean } from './stats.js'

export const KIND_FIELDS = ['documentType', 'documentNumber', 'issuedDate', 'issuer', 'summary', 'signer', 'signerTitle', 'subjectName', 'subjectId'] as const
type KindField = typeof KIND_FIELDS[number] | 'parties'

export interface Scored {
  id: string
  kind: string
  heldOut: boolean
  right: Record<KindField, boolean>
  confidentWrong: KindField[]
  review: number
  misses: string[]
}

const norm = (s: string | null | undefined): string => (s ?? '').normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase()

export function partiesKey (parties: Array<Pick<Party, 'role' | 'name' | 'idNumber' | 'birthDate'>>): string {
  return parties.map(p => [p.role, norm(p.name), p.idNumber ?? '', p.birthDate ?? ''].join('|')).sort().join(' ; ')
}

export function scorePage (page: Pick<GeneratedPage, 'id' | 'kind' | 'heldOut' | 'truth'>, f: ExtractedFields): Scored {
  const right = {} as Record<KindField, boolean>
  const confidentWrong: KindField[] = []
  const misses: string[] = []
  let review = 0
  for (const name of KIND_FIELDS) {
    const want = page.truth[name as keyof Truth] as string | null
    const got = f[name].value
    const ok = want === null ? got === null : norm(got) === norm(want)
    right[name] = ok
    if (f[name].confidence < CONFIDENT) review++
    if (!ok) {
      misses.push(`${page.id}:${name}=${JSON.stringify(got)}(${f[name].confidence})≠${JSON.stringify(want)}`)
      if (got !== null && f[name].confidence >= CONFIDENT) confidentWrong.push(name)
    }
  }
  const got = f.parties
  const ok = partiesKey(got.value) === partiesKey(page.truth.parties)
  right.parties = ok
  if (got.confidence < CONFIDENT) review++
  if (!ok) {
    misses.push(`${page.id}:parties=${partiesKey(got.value)}(${got.confidence})≠${partiesKey(page.truth.parties)}`)
    if (got.value.length > 0 && got.confidence >= CONFIDENT) confidentWrong.push('parties')
  }
  return { id: page.id, kind: page.kind, heldOut: page.heldOut, right, confidentWrong, review, misses }
}

export async function ocrPage (pool: OcrPool, image: Buffer, cacheDir: string | undefined): Promise<PageText> {
  const prepared = await preparePage(image, { maxPixels: DEFAULT_MAX_PIXELS })
  const key = createHash('sha256').update(prepared.ocrInput).digest('hex')
  if (cacheDir) {
    try { return JSON.parse(await readFile(join(cacheDir, `${key}.json`), 'utf8')) as PageText } catch {}
  }
  const r = await pool.recognize(prepared.ocrInput)
  const page: PageText = { text: r.text, confidence: r.confidence, words: r.words, width: r.width, height: r.height }
  if (cacheDir) { await mkdir(cacheDir, { recursive: true }); await writeFile(join(cacheDir, `${key}.json`), JSON.stringify(page)) }
  return page
}

export interface KindsRun {
  scored: Scored[]
  cer: number[]
  pages: number
  seconds: number
}

/** Generates, recognises (two pages in flight per worker) and scores the generated corpus. */
export async function runKinds (pool: OcrPool, opts: { perKind: number, seed?: number, kinds?: string[], known?: KnownLists }): Promise<KindsRun> {
  const cacheDir = process.env.SOHOA_BENCH_OCR_CACHE
  const known = opts.known ?? knownListsForTests()
  const started = performance.now()
  const scored: Scored[] = []
  const cer: number[] = []
  const inFlight: Array<Promise<void>> = []
  for await (const page of generatePages({ perKind: opts.perKind, seed: opts.seed, kinds: opts.kinds })) {
    inFlight.push((async () => {
      const text = await ocrPage(pool, page.image, cacheDir)
      scored.push(scorePage(page, extractFields([text], known)))
      cer.push(cerAnyOrder(page.text, text.text).cer)
    })())
    if (inFlight.length >= 4) await inFlight.shift()
  }
  await Promise.all(inFlight)
  scored.sort((a, b) => a.id.localeCompare(b.id))
  return { scored, cer, pages: scored.length, seconds: (performance.now() - started) / 1000 }
}

const pct = (n: number, of: number): number => of === 0 ? 0 : Math.round(n / of * 1000) / 10

/** Flat headline figures and the per-kind, per-field detail. */
export function summarise (run: KindsRun): { figures: Record<string, number | string>, detail: Record<string, unknown> } {
  const fields: KindField[] = [...KIND_FIELDS, 'parties']
  const figures: Record<string, number | string> = { kinds_pages: run.pages, kinds_seconds: Math.round(run.seconds), kinds_ocr_cer_percent: Math.round(mean(run.cer) * 10000) / 100 }
  const detail: Record<string, unknown> = {}
  for (const group of ['tuned', 'held_out'] as const) {
    const rows = run.scored.filter(s => s.heldOut === (group === 'held_out'))
    const perField: Record<string, number> = {}
    for (const f of fields) {
      perField[f] = pct(rows.filter(r => r.right[f]).length, rows.length)
      figures[`kinds_${group}_${f}_exact_percent`] = perField[f]
    }
    const total = rows.length * fields.length
    const wrong = rows.reduce((n, r) => n + r.confidentWrong.length, 0)
    figures[`kinds_${group}_pages`] = rows.length
    figures[`kinds_${group}_min_field_exact_percent`] = Math.min(...Object.values(perField))
    figures[`kinds_${group}_confidently_wrong_percent`] = pct(wrong, total)
    figures[`kinds_${group}_to_review_percent`] = pct(rows.reduce((n, r) => n + r.review, 0), total)
    const perKind: Record<string, Record<string, number>> = {}
    for (const kind of [...new Set(rows.map(r => r.kind))]) {
      const k = rows.filter(r => r.kind === kind)
      perKind[kind] = Object.fromEntries(fields.map(f => [f, pct(k.filter(r => r.right[f]).length, k.length)]))
    }
    detail[group] = { pages: rows.length, perField, perKind, confidentlyWrong: wrong, fields: total }
  }
  detail.misses = run.scored.flatMap(s => s.misses)
  detail.confidentlyWrong = run.scored.flatMap(s => s.confidentWrong.map(f => `${s.id}:${f}`))
  return { figures, detail }
}
