/**
 * The steps of the pipeline, in order: prepare (sharp: orientation, deskew, OCR input, thumbnail), recognize
 * (tesseract.js), index (full-text search). The OCR input passes from prepare to recognize through a scratch file,
 * which recognize rebuilds if a crash lost it.
 */
import { mkdir, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import sharp from 'sharp'
import { preparePage } from '../imaging/index.js'
import { probePage } from '../separator/index.js'
import type { Metrics } from '../metrics/index.js'
import type { OcrPool } from '../ocr/index.js'
import { searchDocumentOf, type Records } from '../records/index.js'
import type { SearchService } from '../search/index.js'
import { FileStore, syncDir, writeFileAtomic, type Page, type Store } from '../store/index.js'
import type { Step } from './types.js'

export interface StepDeps {
  store: Store
  records: Records
  search: SearchService
  ocr: OcrPool
  ocrConcurrency: number
  maxPixels: number
  metrics?: Metrics
  /** After a page's text is stored and before the record is indexed: reads the record's fields when complete. */
  recordRecognized?: (recordId: string) => Promise<void>
  /** After a page's preparation is committed (a finished stack may now be cut into records). */
  pagePrepared?: (page: Page) => Promise<void>
}

/** Wide enough to read a field on screen, small enough to load fast on an office PC. */
const PREVIEW_WIDTH = 1400

export async function createSteps (deps: StepDeps): Promise<Step[]> {
  const scratch = join(deps.store.dataDir, 'cache', 'ocr-input')
  await durableFolder(join(deps.store.dataDir, 'cache'))
  await durableFolder(scratch)
  const scratchFile = (page: Page): string => join(scratch, `${page.id}.png`)
  /**
   * The scratch file as prepare left it, or a new one: after a power cut it may be missing, empty or cut short
   * (its hash, committed with the `prepared` stage, says), and a retry must not fail on it for ever (issue 15).
   */
  const ocrInputOf = async (page: Page): Promise<Buffer> => {
    const kept = await readFile(scratchFile(page)).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return null; throw err })
    if (kept !== null && (page.ocrInputSha256 === undefined || FileStore.hash(kept) === page.ocrInputSha256)) return kept
    return (await prepare(page)).ocrInput
  }

  const prepare = async (page: Page, master?: Buffer) => {
    const started = performance.now()
    const prepared = await preparePage(master ?? await deps.store.files.read(page.sha256), { maxPixels: deps.maxPixels })
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
        const master = await deps.store.files.read(page.sha256)
        const prepared = await prepare(page, master)
        // Cover sheets and blank backs decide how a scanned stack is cut into records.
        const probe = await probePage(master, { maxPixels: deps.maxPixels })
        const thumbnail = await deps.store.files.put(prepared.thumbnail)
        const preview = await deps.store.files.put(await sharp(prepared.ocrInput).resize({ width: Math.min(PREVIEW_WIDTH, prepared.width) }).jpeg({ quality: 72 }).toBuffer())
        // Durable before the `prepared` stage commits (fsync, rename, folder fsync): a power cut cannot leave the
        // committed stage with an empty or half-written scratch file.
        await writeFileAtomic(scratchFile(page), prepared.ocrInput)
        return {
          ocrInputSha256: FileStore.hash(prepared.ocrInput),
          skewDeg: prepared.skewDeg, thumbnailSha256: thumbnail.sha256, previewSha256: preview.sha256,
          ocrSize: { width: prepared.width, height: prepared.height },
          blank: probe.blank, inkRatio: Math.round(probe.inkRatio * 10000) / 10000,
          ...(probe.separator ? { separator: { ...probe.separator } } : {})
        }
      },
      after: async (page) => { await deps.pagePrepared?.(page) }
    },
    {
      name: 'recognize',
      from: 'prepared',
      to: 'recognized',
      concurrency: deps.ocrConcurrency,
      run: async (page, tx) => {
        // Blank backs and cover sheets belong to no record's text; recognising speckle would only cost minutes.
        if (page.blank === true || page.separator) {
          tx.putPageText(page.id, { text: '', confidence: 0, words: [], width: page.ocrSize?.width ?? page.width, height: page.ocrSize?.height ?? page.height })
          return {}
        }
        const input = await ocrInputOf(page)
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
        await deps.recordRecognized?.(page.recordId)
        await indexRecord(deps, page.recordId)
      }
    }
  ]
}

/** A folder made if missing, and then fsynced in its parent so it survives a power cut. */
async function durableFolder (dir: string): Promise<void> {
  const made = await mkdir(dir).then(() => true, (err: NodeJS.ErrnoException) => { if (err.code === 'EEXIST') return false; throw err })
  if (made) await syncDir(dirname(dir))
}

/** (Re)indexes one record from its pages' stored text. Idempotent. */
export async function indexRecord (deps: Pick<StepDeps, 'store' | 'records' | 'search'>, recordId: string): Promise<void> {
  const record = await deps.store.getRecord(recordId)
  if (!record) return
  if (record.deleted || record.supersededBy || record.pageIds.length === 0) {
    await deps.search.removeDocument(recordId)
    return
  }
  const doc = searchDocumentOf(record, await deps.records.text(record.pageIds))
  await deps.search.indexDocument(record.id, { text: doc.text, attrs: doc.attrs, fields: doc.fields })
}
