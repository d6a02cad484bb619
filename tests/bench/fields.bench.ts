/**
 * Key-field extraction on the dev corpus: every page prepared and recognised once through the appliance's own path
 * (preparePage, then the tesseract.js pool), then read by `extractFields`. Per field, the share of pages read
 * exactly (NFC, single spaces; dates as ISO), the OCR's CER, and the time extraction takes per page.
 *
 * Ablation (cheap toggles only, imaging code untouched): the same pages recognised
 * - without the upscale of 200 dpi pages to 300 dpi (preparePage with maxPixels set to the page's own pixels, so
 *   its upscale factor is 1; grey red channel, deskew and contrast stretch stay), and
 * - with no preparation at all (the master JPEG as received: colour, skewed, native resolution).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { extractFields, type FieldName } from '../../appliance/src/extract/index.js'
import { DEFAULT_MAX_PIXELS, preparePage } from '../../appliance/src/imaging/index.js'
import { createOcrPool, type OcrPool } from '../../appliance/src/ocr/index.js'
import type { PageText } from '../../appliance/src/store/types.js'
import { CORPUS, TRUTH_FIELDS, corpusPages, sameValue, type CorpusPage } from '../extract/corpus-truth.js'
import { cerAnyOrder } from '../ocr/cer.js'
import { runKinds, summarise } from './kinds.bench.js'
import { mean, percentile } from './stats.js'

type Variant = 'prepared' | 'no_upscale' | 'unprepared'

interface Run {
  pages: PageText[]
  ocrSeconds: number
}

export async function benchFields (opts: { ablation: boolean, perKind?: number }): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-bench-fields-'))
  const samples = corpusPages()
  const masters = await Promise.all(samples.map(async s => await readFile(join(CORPUS, s.file))))
  const workers = Math.min(2, availableParallelism())
  const pool = await createOcrPool({ workers, cacheDir: join(dir, 'cache') })
  try {
    const figures: Record<string, unknown> = { fields_pages: samples.length }
    const main = await recognise(pool, masters, 'prepared')
    Object.assign(figures, score('fields', samples, main.pages, true))
    const time = timing(main.pages)
    figures.fields_extract_ms_per_page = round(time.mean, 3)
    figures.fields_extract_p99_ms = round(time.p99, 3)
    figures.fields_extract_cpu_ms_per_page = round(time.cpu, 3)
    if (opts.ablation) {
      for (const variant of ['no_upscale', 'unprepared'] as const) {
        const run = await recognise(pool, masters, variant)
        const s = score(`fields_${variant}`, samples, run.pages, false)
        s[`fields_${variant}_ocr_pages_per_min`] = round(samples.length / run.ocrSeconds * 60)
        Object.assign(figures, s)
      }
      figures.fields_prepared_ocr_pages_per_min = round(samples.length / main.ocrSeconds * 60)
    }
    // Kinds the sample corpus does not have (tests/fixtures/generator), tuned on and held out.
    const kinds = summarise(await runKinds(pool, { perKind: opts.perKind ?? 4 }))
    Object.assign(figures, kinds.figures)
    figures.kinds_detail = kinds.detail
    return figures
  } finally {
    await pool.close()
    await rm(dir, { recursive: true, force: true })
  }
}

async function recognise (pool: OcrPool, masters: Buffer[], variant: Variant): Promise<Run> {
  const inputs: Buffer[] = []
  for (const bytes of masters) {
    if (variant === 'unprepared') { inputs.push(bytes); continue }
    let maxPixels = DEFAULT_MAX_PIXELS
    if (variant === 'no_upscale') {
      // preparePage scales up by min(300/dpi, 2, sqrt(maxPixels / pixels)): the page's own pixel count makes it 1.
      const meta = await sharp(bytes).metadata()
      maxPixels = (meta.width ?? 1) * (meta.height ?? 1)
    }
    inputs.push((await preparePage(bytes, { maxPixels })).ocrInput)
  }
  const started = performance.now()
  const results = await Promise.all(inputs.map(async b => await pool.recognize(b)))
  const ocrSeconds = (performance.now() - started) / 1000
  return { pages: results.map(r => ({ text: r.text, confidence: r.confidence, words: r.words, width: r.width, height: r.height })), ocrSeconds }
}

function score (prefix: string, samples: CorpusPage[], pages: PageText[], perField: boolean): Record<string, number | string> {
  const exact = new Map<FieldName, number>(TRUTH_FIELDS.map(n => [n, 0]))
  const misses: string[] = []
  let allRight = 0
  pages.forEach((page, i) => {
    const f = extractFields([page])
    let right = 0
    for (const name of TRUTH_FIELDS) {
      if (sameValue(f[name].value, samples[i].fields[name]!)) { exact.set(name, exact.get(name)! + 1); right++ } else misses.push(`${samples[i].file}:${name}`)
    }
    if (right === TRUTH_FIELDS.length) allRight++
  })
  const share = (n: number): number => round(n / samples.length * 100)
  const out: Record<string, number | string> = {}
  if (perField) for (const name of TRUTH_FIELDS) out[`${prefix}_${name}_exact_percent`] = share(exact.get(name)!)
  out[`${prefix}_exact_mean_percent`] = round(mean([...exact.values()].map(n => n / samples.length * 100)))
  out[`${prefix}_exact_min_percent`] = share(Math.min(...exact.values()))
  out[`${prefix}_all_fields_pages`] = allRight
  out[`${prefix}_ocr_cer_percent`] = round(mean(pages.map((p, i) => cerAnyOrder(samples[i].text, p.text).cer)) * 100, 3)
  out[`${prefix}_misses`] = misses.join(' ') || 'none'
  return out
}

/**
 * Extraction time per page, after a warm-up, over ten rounds of every page: wall time (mean, p99) and the process'
 * CPU time per page, which a machine loaded by other work inflates much less than wall time.
 */
function timing (pages: PageText[]): { mean: number, p99: number, cpu: number } {
  for (const p of pages) extractFields([p])
  const times: number[] = []
  const cpuBefore = process.cpuUsage()
  for (let round = 0; round < 10; round++) {
    for (const p of pages) {
      const started = performance.now()
      extractFields([p])
      times.push(performance.now() - started)
    }
  }
  const cpu = process.cpuUsage(cpuBefore)
  return { mean: mean(times), p99: percentile(times, 99), cpu: (cpu.user + cpu.system) / 1000 / times.length }
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits
