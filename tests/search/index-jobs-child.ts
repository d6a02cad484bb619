/**
 * A process of its own for the index-jobs crash test: the store, the search service and the record step runner with
 * its `index` step, as node.ts wires them. `seed` writes the records; `burst` changes and deletes records as fast as it can, printing
 * each committed change, until it is killed; `check` drains the pending jobs and prints what search finds.
 */
import pino from 'pino'
import { indexRecord, RecordStepRunner } from '../../appliance/src/pipeline/index.js'
import { Records } from '../../appliance/src/records/index.js'
import { createSearchService } from '../../appliance/src/search/index.js'
import { Store, type RecordEntry } from '../../appliance/src/store/index.js'

const [dataDir, mode, count, lastChange] = process.argv.slice(2)
const n = Number(count)
const store = await Store.open(dataDir)
const records = new Records(store)
const search = createSearchService(store.searchIndex)
const runner = new RecordStepRunner({ store, steps: [{ name: 'index', run: async (id) => await indexRecord({ store, records, search }, id) }], logger: pino({ level: 'silent' }) })
const id = (k: number): string => `r_crash${String(k).padStart(3, '0')}`
const field = (value: string): RecordEntry['fields'] => ({ summary: { value, confidence: 1, boxes: [] } })

if (mode === 'seed') {
  for (let k = 0; k < n; k++) {
    const at = new Date().toISOString()
    await store.tx().putPageText(`p_crash${k}`, { text: `Giấy phép xây dựng số ${k}`, confidence: 1, words: [], width: 1, height: 1 })
      .putRecord({ id: id(k), unit: '622', batchId: 'b_crash', filename: null, sourceSha256: '0', pageIds: [`p_crash${k}`], status: 'draft', createdAt: at, updatedAt: at, fields: field(`khoitao${k}`) })
      .commit()
  }
  runner.start()
  await new Promise(resolve => setTimeout(resolve, 50))
  await runner.idle()
  process.stdout.write('seeded\n')
} else if (mode === 'burst') {
  runner.start()
  for (let i = 0; ; i++) {
    const k = (i * 7) % n
    const record = (await store.getRecord(id(k)))!
    const next: RecordEntry = i % 11 === 5
      ? { ...record, deleted: { at: new Date().toISOString(), by: 'admin', reason: 'crash test' } }
      : { ...record, deleted: undefined, fields: field(`doi${i}x`) }
    await store.tx().putRecord(next).commit()
    process.stdout.write(`${k} ${i}\n`)
    // The runner is nudged by every commit (Store.onRecordJobs) and lags behind the burst: a kill leaves changes
    // whose index work never ran in this process.
  }
} else {
  runner.start()
  await new Promise(resolve => setTimeout(resolve, 50))
  await runner.idle()
  const out: Record<string, unknown> = { pending: (await store.listRecordJobs('index', 10)).length, records: [] }
  for (let k = 0; k < n; k++) {
    const r = (await store.getRecord(id(k)))!
    const word = r.fields?.summary?.value ?? ''
    const found = (await search.search(word)).results.map(h => h.recordId)
    ;(out.records as unknown[]).push({ id: r.id, deleted: r.deleted !== undefined, word, found })
  }
  out.documents = (await search.stats()).documents
  // Every value ever written: only the current ones may be found.
  const words = new Set<string>()
  for (let i = 0; i <= Number(lastChange ?? 0) + 20; i++) words.add(`doi${i}x`)
  out.stale = []
  const current = new Set((out.records as Array<{ word: string, deleted: boolean }>).filter(r => !r.deleted).map(r => r.word))
  for (const w of words) if (!current.has(w)) { const hits = (await search.search(w)).total; if (hits > 0) (out.stale as string[]).push(w) }
  process.stdout.write(JSON.stringify(out) + '\n')
  await store.close()
}
