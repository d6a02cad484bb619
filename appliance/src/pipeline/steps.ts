/**
 * The steps of the pipeline, in order. Page steps (one durable job per page, `Pipeline`): prepare (sharp:
 * orientation, deskew, OCR input, thumbnail), recognize (tesseract.js), then handoff, where the page is done and its
 * record's steps take over. Record steps (durable jobs written with the change that needs them, `RecordStepRunner`):
 * segment (a finished batch into records), extract (a record's fields, once its pages are recognised), after
 * approval sign, package and log (archive/archiver.ts: the signed copy stored, the package's manifest fixed, the
 * record archived with its log entry), index (its search entry and inventory file). The OCR input passes from
 * prepare to recognize through a scratch file, which recognize rebuilds if a crash lost it.
 */
import { mkdir, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import sharp from 'sharp'
import { preparePage } from '../imaging/index.js'
import { probePage } from '../separator/index.js'
import type { Archiver } from '../archive/index.js'
import { changeOfRecord, type Inventory } from '../inventory/index.js'
import type { Metrics } from '../metrics/index.js'
import type { OcrPool } from '../ocr/index.js'
import { batchClosed, batchPreparing, readRecordFields, searchDocumentOf, segmentIfComplete, type RecordLifecycle, type Records } from '../records/index.js'
import type { SearchService } from '../search/index.js'
import { FileStore, syncDir, writeFileAtomic, type Page, type RecordEntry, type Store, type Tx } from '../store/index.js'
import type { RecordStep } from './record-steps.js'
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
      // A finished stack may now be cut into records: the segment step waits until every page is prepared.
      commit: async (page, tx) => { await segmentDue(deps.store, page, tx) }
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
      name: 'handoff',
      from: 'recognized',
      to: 'indexed',
      concurrency: 1,
      run: async () => {},
      // The page is done: its record's extract step waits until every page of the record is.
      commit: async (page, tx) => { pageSettled(page, tx) }
    }
  ]
}

/** Written with a page's prepared stage, and with a page's failure for good. */
export async function segmentDue (store: Store, page: Page, tx: Tx): Promise<void> {
  if (batchClosed(await store.getBatch(page.batchId))) tx.putRecordJob('segment', page.batchId)
}

/** Written with a page's last stage, and with its failure for good: its record may be complete. */
export function pageSettled (page: Page, tx: Tx): void {
  tx.putRecordJob('extract', page.recordId)
}

export interface RecordStepDeps {
  store: Store
  records: Records
  search: SearchService
  lifecycle: RecordLifecycle
  inventory: Inventory
  /** A serving node's archiver (offline nodes run no steps). */
  archiver?: Archiver
  /** The agent named in extraction events. */
  extractor: string
}

/** A page that no longer waits for the page steps: done, or failed for good. */
const settled = (p: Page): boolean => p.stage === 'recognized' || p.stage === 'indexed' || p.failed !== undefined

/** An untouched draft of a closed batch that segmentation has not cut yet: its pages may still move. */
async function segmentationPending (store: Store, record: RecordEntry): Promise<boolean> {
  if (record.status !== 'draft' || (record.version ?? 0) > 0 || record.segmented) return false
  return batchClosed(await store.getBatch(record.batchId))
}

/** A live draft whose fields are still to be read: its pages are not all done, or segmentation or extraction is due. */
async function awaitsExtraction (store: Store, record: RecordEntry | undefined): Promise<boolean> {
  if (!record || record.deleted || record.supersededBy || record.status !== 'draft' || record.pageIds.length === 0) return false
  if (await segmentationPending(store, record)) return true
  const pages = await store.getPages(record.pageIds)
  return pages.length < record.pageIds.length || !pages.every(settled)
}

/** The record steps, in the order the runner takes them (store/types.ts RECORD_STEPS). */
export function createRecordSteps (deps: RecordStepDeps): RecordStep[] {
  const { store } = deps
  return [
    {
      name: 'segment',
      ready: async (batchId) => !await batchPreparing(store, batchId),
      run: async (batchId, done) => { await segmentIfComplete(store, batchId, done) }
    },
    {
      name: 'extract',
      ready: async (recordId) => !await awaitsExtraction(store, await store.getRecord(recordId)),
      run: async (recordId, done) => {
        const fields = await readRecordFields(store, recordId)
        if (fields) await deps.lifecycle.storeExtracted(recordId, fields, deps.extractor, done)
      }
    },
    // After approval, three steps and not one (archive/archiver.ts): signing is the slow part (seconds of PDF and
    // signature work) and may be repeated after a crash, its files being content-addressed; what the log entry
    // publishes is fixed by its own commit (package); and the record turns archived only in the log entry's write, so
    // no reader ever meets an archived record the signed log does not vouch for. Each writes the next one's job.
    archiveStep('sign', deps, async (archiver, recordId, done) => await archiver.sign(recordId, done)),
    archiveStep('package', deps, async (archiver, recordId, done) => await archiver.package(recordId, done)),
    archiveStep('log', deps, async (archiver, recordId, done) => await archiver.logArchived(recordId, done)),
    {
      name: 'index',
      // Indexed once its fields are read: the runs before would index a record about to change again.
      ready: async (recordId) => {
        const record = await store.getRecord(recordId)
        return !await awaitsExtraction(store, record) && !(record && await store.hasRecordJob('extract', recordId))
      },
      run: async (recordId) => {
        await indexRecord(deps, recordId)
        const record = await store.getRecord(recordId)
        if (record) await deps.inventory.onRecordChanged(changeOfRecord(record))
      }
    }
  ]
}

/** One of the archiving steps: a record that is no longer approved (done, deleted, gone) has nothing left to do. */
function archiveStep (name: 'sign' | 'package' | 'log', deps: RecordStepDeps, run: (archiver: Archiver, recordId: string, done: Tx) => Promise<unknown>): RecordStep {
  return {
    name,
    run: async (recordId, done) => {
      const record = await deps.store.getRecord(recordId)
      if (record?.status !== 'approved' || record.deleted) return
      if (!deps.archiver) throw new Error('no archiver on this node')
      await run(deps.archiver, recordId, done)
    }
  }
}

/** A folder made if missing, and then fsynced in its parent so it survives a power cut. */
async function durableFolder (dir: string): Promise<void> {
  const made = await mkdir(dir).then(() => true, (err: NodeJS.ErrnoException) => { if (err.code === 'EEXIST') return false; throw err })
  if (made) await syncDir(dirname(dir))
}

/** (Re)indexes one record from its pages' stored text. Idempotent. */
export async function indexRecord (deps: Pick<RecordStepDeps, 'store' | 'records' | 'search'>, recordId: string): Promise<void> {
  const record = await deps.store.getRecord(recordId)
  if (!record) return
  if (record.deleted || record.supersededBy || record.pageIds.length === 0) {
    await deps.search.removeDocument(recordId)
    return
  }
  const doc = searchDocumentOf(record, await deps.records.text(record.pageIds))
  await deps.search.indexDocument(record.id, { text: doc.text, attrs: doc.attrs, fields: doc.fields })
}
