/**
 * Run under strace by power-cut.test.ts (from dist/): a fresh data directory takes one page through the real
 * intake and the real prepare step, and stops once the `prepared` stage is committed. Only the recorded syscalls
 * matter; it prints `prepared <pageId>` for the test to find the scratch file's name.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino from 'pino'
import { Intake } from '../../appliance/src/intake/index.js'
import { Pipeline } from '../../appliance/src/pipeline/index.js'
import { createSteps } from '../../appliance/src/pipeline/steps.js'
import { Records } from '../../appliance/src/records/index.js'
import { createSearchService } from '../../appliance/src/search/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { Units } from '../../appliance/src/units/index.js'
import { closeImaging } from '../../appliance/src/imaging/index.js'
import { CORPUS } from '../helpers/tmp.js'

const dataDir = process.argv[2]
const logger = pino({ level: 'silent' })
const store = await Store.open(dataDir)
await new Units(store).seed()
const steps = await createSteps({
  store, records: new Records(store), search: createSearchService(store.searchIndex),
  ocr: undefined as never, ocrConcurrency: 1, maxPixels: 200_000_000
})
const pipeline = new Pipeline({ store, steps: steps.filter(s => s.name === 'prepare'), logger, maxAttempts: 1 })
const prepared = new Promise<string>(resolve => pipeline.on('stage', e => { if (e.stage === 'prepared') resolve(e.pageId) }))
await pipeline.start()
const intake = new Intake({ store, maxPixels: 200_000_000, logger, onAccepted: r => { void pipeline.enqueue(r.pages.map(p => p.id)) } })
const bytes = await readFile(join(CORPUS, (await import('node:fs')).readdirSync(CORPUS).find(n => n.endsWith('.jpg'))!))
await intake.accept({ unit: '622', bytes, source: 'api' })
const pageId = await prepared
await pipeline.stop()
await store.close()
await closeImaging()
console.log(`prepared ${pageId}`)
