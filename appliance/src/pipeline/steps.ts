/**
 * The steps of the pipeline, in order: prepare (sharp: orientation, deskew, OCR input, thumbnail), recognize
 * (tesseract.js), index (full-text search). The OCR input passes from prepare to recognize through a scratch file,
 * which recognize rebuilds if a crash lost it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { preparePage } from '../imaging/index.js'
import type { Metrics } from '../metrics/index.js'
import type { OcrPool } from '../ocr/index.js'
import type { Records } from '../records/index.js'
import type { SearchService } from '../search/index.js'
import type { Page, Store } from '../store/index.js'
import type { Step } from './types.js'

export interface StepDeps {
  store: Store
  records: Records
  search: SearchService
  ocr: OcrPool
  ocrConcurrency: number
  maxPixels: number
  metrics?: Metrics
}

export async function createSteps (deps: StepDeps): Promise<Step[]> {
  const scratch = join(deps.store.dataDir, 'cache', 'ocr-input')
  await mkdir(scratch, { recursive: true })
  const scratchFile = (page: Page): string => join(scratch, `${page.id}.png`)

  const prepare = async (page: Page) => {
    const started = performance.now()
    const prepared = await preparePage(await deps.store.files.read(page.sha256), { maxPixels: deps.maxPixels })
    deps.metrics?.prepareSeconds.observe((performance.now() - started) / 1000)
    return prepared
  }

  return [
    {
      name: 'prepare',
      from: 'received',
      to: 'prepared',
      concurrency: 1,
      run: async (page) => {
        const prepared = await prepare(page)
        const thumbnail = await deps.store.files.put(prepared.thumbnail)
        await writeFile(scratchFile(page), prepared.ocrInput)
        return { skewDeg: prepared.skewDeg, thumbnailSha256: thumbnail.sha256 }
      }
    },
    {
      name: 'recognize',
      from: 'prepared',
      to: 'recognized',
      concurrency: deps.ocrConcurrency,
      run: async (page, tx) => {
        const input = await readFile(scratchFile(page)).catch(async (err) => {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
          return (await prepare(page)).ocrInput
        })
        const result = await deps.ocr.recognize(input)
        deps.metrics?.ocrSeconds.observe(result.ms / 1000)
        tx.putPageText(page.id, { text: result.text, confidence: result.confidence, words: result.words, width: result.width, height: result.height })
        return { ocrRuns: page.ocrRuns + 1, ocrConfidence: Math.round(result.confidence * 10) / 10 }
      },
      after: async (page) => await rm(scratchFile(page), { force: true })
    },
    {
      name: 'index',
      from: 'recognized',
      to: 'indexed',
      concurrency: 1,
      run: async (page) => {
        await indexRecord(deps, page.recordId)
      }
    }
  ]
}

/** (Re)indexes one record from its pages' stored text. Idempotent. */
export async function indexRecord (deps: Pick<StepDeps, 'store' | 'records' | 'search'>, recordId: string): Promise<void> {
  const record = await deps.store.getRecord(recordId)
  if (!record) return
  const text = await deps.records.text(record.pageIds)
  await deps.search.indexDocument(record.id, { text, attrs: { unit: record.unit, batchId: record.batchId, status: record.status, createdAt: record.createdAt } })
}
