/**
 * Ingest acknowledgement latency under OCR load, and the appliance's peak RSS: a real appliance process with 2 OCR
 * workers is kept busy recognising corpus pages while ~2 MB JPEGs are posted one after another.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { createToken, startAppliance } from '../helpers/appliance.js'
import { CORPUS } from '../helpers/tmp.js'
import { percentile } from './stats.js'

/** Same image, different bytes: a JPEG comment (COM segment) after SOI makes each post a new file. */
function variant (jpeg: Buffer, n: number): Buffer {
  const text = Buffer.from(`sohoa bench ${n}`)
  const com = Buffer.alloc(4); com.writeUInt16BE(0xfffe, 0); com.writeUInt16BE(text.length + 2, 2)
  return Buffer.concat([jpeg.subarray(0, 2), com, text, jpeg.subarray(2)])
}

export async function benchIngest (dataDir: string, opts: { posts: number, loadPages: number }): Promise<Record<string, number>> {
  const app = await startAppliance({ dataDir, env: { SOHOA_OCR_WORKERS: '2' } })
  try {
    const { secret } = await createToken(app.url, 'ingest')
    const post = async (body: Buffer, name: string): Promise<number> => {
      const started = performance.now()
      const res = await fetch(`${app.url}/api/v1/pages?unit=622&filename=${name}`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'image/jpeg' }, body: new Uint8Array(body) })
      if (res.status !== 201) throw new Error(`post failed: ${res.status} ${await res.text()}`)
      if (process.env.BENCH_VERBOSE) process.stderr.write(`${name} ${(performance.now() - started).toFixed(1)} ms ${res.headers.get('server-timing')}\n`)
      await res.arrayBuffer()
      return performance.now() - started
    }
    // The load: corpus pages queued for OCR.
    const corpus = (await readdir(CORPUS)).filter(f => f.endsWith('.jpg')).slice(0, opts.loadPages)
    for (const f of corpus) await post(await readFile(join(CORPUS, f)), f)
    // A ~2 MB colour A4 JPEG at 300 dpi: a corpus page with scanner-like grain (noise compresses badly, as paper does).
    const { width, height } = await sharp(join(CORPUS, '0000.jpg')).metadata()
    const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } }).png().toBuffer()
    const big = await sharp(join(CORPUS, '0000.jpg')).composite([{ input: grain, blend: 'soft-light' }]).jpeg({ quality: 92 }).toBuffer()
    await new Promise(resolve => setTimeout(resolve, 3000)) // let OCR saturate both cores
    const latencies: number[] = []
    for (let i = 0; i < opts.posts; i++) {
      latencies.push(await post(variant(big, i), `big-${i}.jpg`))
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const status = await readFile(`/proc/${app.child.pid}/status`, 'utf8')
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
    return {
      ingest_jpeg_bytes: big.length,
      ingest_posts: latencies.length,
      ingest_ack_p50_ms: round(percentile(latencies, 50)),
      ingest_ack_p99_ms: round(percentile(latencies, 99)),
      ingest_ack_max_ms: round(Math.max(...latencies)),
      appliance_peak_rss_mb: Math.round(peakKb / 1024)
    }
  } finally {
    await app.stop()
  }
}

const round = (n: number): number => Math.round(n * 10) / 10
