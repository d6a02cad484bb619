/**
 * OCR throughput on the dev corpus: the appliance's tesseract.js pool (2 workers on 2 cores) against the native
 * Tesseract CLI with the same `4.0.0_best_int` model, two processes at a time, one thread each, on the same
 * prepared pages in the same run. The ratio is the figure that matters; CER says both read alike.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { preparePage } from '../../appliance/src/imaging/index.js'
import { createOcrPool } from '../../appliance/src/ocr/index.js'
import { truth } from '../helpers/appliance.js'
import { CORPUS } from '../helpers/tmp.js'
import { cerAnyOrder } from '../ocr/cer.js'
import { mean } from './stats.js'

const run = promisify(execFile)

export async function benchOcr (opts: { pages: number }): Promise<Record<string, number | string>> {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-bench-ocr-'))
  try {
    const samples = truth().slice(0, opts.pages)
    const inputs: Buffer[] = []
    for (const s of samples) {
      const prepared = await preparePage(await readFile(join(CORPUS, s.file)), { maxPixels: 200_000_000 })
      inputs.push(prepared.ocrInput)
      await writeFile(join(dir, `${s.file}.png`), prepared.ocrInput)
    }
    const workers = Math.min(2, availableParallelism())
    const pool = await createOcrPool({ workers, cacheDir: join(dir, 'cache') })
    const jsCer: number[] = []
    let jsSeconds: number
    try {
      await pool.recognize(inputs[0]) // warm both code paths once
      const started = performance.now()
      const results = await Promise.all(inputs.map(async (b) => await pool.recognize(b)))
      jsSeconds = (performance.now() - started) / 1000
      results.forEach((r, i) => jsCer.push(cerAnyOrder(samples[i].text, r.text).cer))
    } finally {
      await pool.close()
    }
    const figures: Record<string, number | string> = {
      ocr_pages: inputs.length,
      ocr_workers: workers,
      ocr_js_pages_per_min: round(inputs.length / jsSeconds * 60),
      ocr_js_cer_percent: round(mean(jsCer) * 100)
    }

    const native = await nativeTesseract(dir, samples.map(s => `${s.file}.png`), workers)
    if (native) {
      figures.ocr_native_pages_per_min = round(inputs.length / native.seconds * 60)
      figures.ocr_native_cer_percent = round(mean(native.texts.map((t, i) => cerAnyOrder(samples[i].text, t).cer)) * 100)
      figures.ocr_js_over_native_time_ratio = round(jsSeconds / native.seconds)
      figures.ocr_native_version = native.version
    } else {
      figures.ocr_native = 'tesseract CLI not installed'
    }
    return figures
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function nativeTesseract (dir: string, files: string[], parallel: number): Promise<{ seconds: number, texts: string[], version: string } | null> {
  let version: string
  try {
    version = (await run('tesseract', ['--version'])).stdout.split('\n')[0]
  } catch {
    return null
  }
  // The same model file the appliance uses, unpacked for the CLI.
  const require = createRequire(import.meta.url)
  const model = join(dirname(require.resolve('@tesseract.js-data/vie/package.json')), '4.0.0_best_int', 'vie.traineddata.gz')
  const tessdata = join(dir, 'tessdata')
  await mkdir(tessdata)
  await writeFile(join(tessdata, 'vie.traineddata'), gunzipSync(await readFile(model)))
  const texts: string[] = new Array(files.length)
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < files.length) {
      const i = next++
      const { stdout } = await run('tesseract', [join(dir, files[i]), '-', '-l', 'vie', '--tessdata-dir', tessdata, '--psm', '3'], { env: { ...process.env, OMP_THREAD_LIMIT: '1' }, maxBuffer: 16 << 20 })
      texts[i] = stdout.normalize('NFC')
    }
  }))
  return { seconds: (performance.now() - started) / 1000, texts, version }
}

const round = (n: number): number => Math.round(n * 100) / 100
