/**
 * `npm run bench`: runs every benchmark on this machine, prints the figures and writes them, with the machine and
 * the date, to tests/bench/results/latest.json (`npm run bench -- pdf search`: only those, to `pdf-search.json`). Speed is measured here, never asserted in tests.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../helpers/tmp.js'
import { benchFields } from './fields.bench.js'
import { benchIngest } from './ingest.bench.js'
import { benchOcr } from './ocr.bench.js'
import { benchPdf } from './pdf.bench.js'
import { benchScan } from './scan.bench.js'
import { benchSearch } from './search.bench.js'
import { benchSearchScale } from './search-scale.bench.js'
import { benchSync, syncBenchFromEnv } from './sync.bench.js'

const only = process.argv.slice(2)
const want = (name: string): boolean => only.length === 0 || only.includes(name)
const figures: Record<string, unknown> = {}

async function section (name: string, fn: () => Promise<Record<string, unknown>>): Promise<void> {
  if (!want(name)) return
  process.stderr.write(`bench: ${name}…\n`)
  const started = performance.now()
  const result = await fn()
  Object.assign(figures, result)
  for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(36)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`)
  process.stderr.write(`bench: ${name} took ${Math.round((performance.now() - started) / 1000)} s\n`)
}

await section('ocr', async () => await benchOcr({ pages: 12 }))
await section('fields', async () => await benchFields({ ablation: true, perKind: Number(process.env.SOHOA_BENCH_PER_KIND ?? 4) }))
await section('ingest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-bench-ingest-'))
  try { return await benchIngest(dir, { posts: 60, loadPages: 12 }) } finally { await rm(dir, { recursive: true, force: true }) }
})
await section('scan', async () => await benchScan())
await section('pdf', async () => await benchPdf({ pages: 20 }))
await section('search', async () => await benchSearch())
// Not in a plain `npm run bench`: a million records take a quarter of an hour (`npm run bench -- search-scale`).
if (only.includes('search-scale')) await section('search-scale', async () => await benchSearchScale())
await section('sync', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-bench-sync-'))
  try { return await benchSync(dir, syncBenchFromEnv()) } finally { await rm(dir, { recursive: true, force: true }) }
})

const report = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
  figures
}
const out = join(ROOT, 'tests', 'bench', 'results')
await mkdir(out, { recursive: true })
// A chosen few sections (`npm run bench -- pdf`) must not overwrite the whole run's figures.
const file = only.length === 0 ? 'latest.json' : `${only.join('-')}.json`
await writeFile(join(out, file), JSON.stringify(report, null, 2) + '\n')
process.stdout.write(`\nwritten to tests/bench/results/${file}\n`)
