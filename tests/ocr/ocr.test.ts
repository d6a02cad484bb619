import t, { type Test } from 'tap'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Worker as Thread } from 'node:worker_threads'
import { isAppError } from '../../appliance/src/errors/index.js'
import { DEFAULT_MAX_PIXELS, closeImaging, preparePage, type Prepared } from '../../appliance/src/imaging/index.js'
import { createOcrPool, type OcrPool, type OcrResult } from '../../appliance/src/ocr/index.js'
import { corpusFile, corpusTruth } from '../imaging/helpers.js'
import { cerAnyOrder, levenshtein } from './cer.js'

const cacheDir = mkdtempSync(join(tmpdir(), 'sohoa-ocr-'))
let pool: OcrPool
t.before(async () => {
  const started = performance.now()
  pool = await createOcrPool({ workers: 2, cacheDir })
  t.comment(`pool of 2 workers started in ${(performance.now() - started).toFixed(0)} ms`)
})
t.teardown(async () => {
  await pool?.close()
  await closeImaging()
  rmSync(cacheDir, { recursive: true, force: true })
})

const lower = (s: string): string => s.normalize('NFC').toLocaleLowerCase('vi')

t.test('CER helper', async t => {
  t.equal(levenshtein('kitten', 'sitting'), 3)
  t.equal(levenshtein('Việt', 'Viet'), 1, 'counts code points of NFC text')
  t.equal(cerAnyOrder('a bc', 'bc a').cer, 0, 'order does not matter')
  t.match(cerAnyOrder('Số: 1470', 'Sô: 1470'), { edits: 1, refChars: 7 })
  t.match(cerAnyOrder('một hai', 'một'), { edits: 3 }, 'a missing word costs its length')
  t.match(cerAnyOrder('một', 'một ba'), { edits: 2 }, 'an extra word costs its length')
})

t.test('corpus pages: document number and subject read, CER printed', async t => {
  // One 300 dpi page and two skewed 200 dpi pages of other result types.
  const files = ['0000.jpg', '0003.jpg', '0006.jpg']
  const truths = new Map(corpusTruth().map(x => [x.file, x]))
  const prepared = new Map<string, Prepared>()
  for (const file of files) prepared.set(file, await preparePage(corpusFile(file), { maxPixels: DEFAULT_MAX_PIXELS }))

  const results = await Promise.all(files.map(async file => [file, await pool.recognize(prepared.get(file)!.ocrInput)] as const))
  let edits = 0
  let chars = 0
  for (const [file, r] of results) {
    const truth = truths.get(file)!
    const p = prepared.get(file)!
    t.equal(r.text, r.text.normalize('NFC'), `${file}: text is NFC`)
    t.ok(lower(r.text).includes(lower(truth.so_ky_hieu)), `${file}: document number found`)
    t.ok(lower(r.text).includes(lower(truth.chu_the)), `${file}: subject's name found`)
    const cer = cerAnyOrder(truth.text, r.text)
    edits += cer.edits
    chars += cer.refChars
    t.comment(`${file}: CER ${(cer.cer * 100).toFixed(2)} % (${cer.edits}/${cer.refChars}), ${r.words.length} words, confidence ${r.confidence.toFixed(1)}, OCR ${r.ms} ms, prepare ${p.ms} ms`)
    t.ok(cer.cer < 0.03, `${file}: CER under 3 %`)
    checkWords(t, r, p)
  }
  t.comment(`CER over ${files.length} pages: ${(100 * edits / chars).toFixed(2)} %`)
})

function checkWords (t: Test, r: OcrResult, p: Prepared): void {
  t.match(r, { width: p.width, height: p.height }, 'boxes refer to the OCR input')
  t.ok(r.confidence > 50 && r.confidence <= 100, `confidence ${r.confidence}`)
  t.ok(r.words.length > 50, `${r.words.length} words`)
  const inside = r.words.every(w => w.bbox.x0 >= 0 && w.bbox.y0 >= 0 && w.bbox.x1 <= r.width && w.bbox.y1 <= r.height && w.bbox.x1 > w.bbox.x0 && w.bbox.y1 > w.bbox.y0)
  t.ok(inside, 'every box is a non-empty rectangle inside the image')
  t.ok(r.words.every(w => w.text === w.text.normalize('NFC') && w.text.trim() === w.text && w.text !== ''), 'words are NFC, trimmed, non-empty')
  t.ok(r.words.every(w => w.conf >= 0 && w.conf <= 100), 'word confidences in 0-100')
  const ordered = r.words.every((w, i) => i === 0 || (w.block >= r.words[i - 1].block && w.par >= r.words[i - 1].par && w.line >= r.words[i - 1].line))
  t.ok(ordered, 'block, paragraph and line indexes never go back')
  // Words on one line, joined, give that line of the text.
  const firstLine = r.words.filter(w => w.line === r.words[0].line).map(w => w.text).join(' ')
  t.ok(r.text.includes(firstLine), `first line "${firstLine.length} chars" appears in the text`)
}

t.test('a bad image fails alone; the pool replaces the worker and carries on', async t => {
  const before = pool.stats().restarts
  const garbage = Buffer.from('this is not an image, just bytes '.repeat(100))
  const err = await pool.recognize(garbage).catch(e => e)
  t.ok(isAppError(err), 'rejects with an AppError')
  t.equal(err.code, 'OCR_FAILED')
  t.comment(`reason: ${err.details?.reason}`)
  const halfPng = (await preparePage(corpusFile('0001.jpg'), { maxPixels: DEFAULT_MAX_PIXELS })).ocrInput
  const err2 = await pool.recognize(halfPng.subarray(0, 100)).catch(e => e)
  t.equal(err2.code, 'OCR_FAILED', 'a cut-off PNG too')
  await t.rejects(pool.recognize(Buffer.alloc(0)), { code: 'OCR_FAILED' }, 'empty input')
  t.equal(pool.stats().restarts, before + 2, 'each failed worker was replaced (the empty input never reached one)')
  const r = await pool.recognize(halfPng)
  t.ok(lower(r.text).includes('95496049'), 'the pool still reads pages afterwards')
  t.equal(pool.stats().workers, 2, 'back to full strength')
})

t.test('a worker thread that dies is replaced; its page fails, the next one works', async t => {
  const threads = (pool as unknown as { threads: () => Thread[] }).threads()
  t.equal(threads.length, 2)
  const page = (await preparePage(corpusFile('0005.jpg'), { maxPixels: DEFAULT_MAX_PIXELS })).ocrInput
  const before = pool.stats().restarts
  // Both workers busy, then both threads killed under their pages.
  const a = pool.recognize(page).catch(e => e)
  const b = pool.recognize(page).catch(e => e)
  await new Promise(resolve => setTimeout(resolve, 200))
  await Promise.all(threads.map(async th => await th.terminate()))
  t.match(await a, { code: 'OCR_FAILED' })
  t.match(await b, { code: 'OCR_FAILED' })
  const r = await pool.recognize(page)
  t.ok(r.text.includes('36595682'), 'a fresh worker reads the page')
  t.equal(pool.stats().restarts, before + 2)
})

t.test('close: queued work is refused, the threads end', async t => {
  const local = await createOcrPool({ workers: 1, cacheDir })
  const threads = (local as unknown as { threads: () => Thread[] }).threads()
  const exited = new Promise(resolve => threads[0].once('exit', resolve))
  const page = (await preparePage(corpusFile('0004.jpg'), { maxPixels: DEFAULT_MAX_PIXELS })).ocrInput
  const running = local.recognize(page)
  const queued = local.recognize(page).catch(e => e)
  await local.close()
  t.ok((await running).words.length > 0, 'the page in progress finished')
  t.match(await queued, { code: 'SHUTTING_DOWN' })
  await exited
  await t.rejects(local.recognize(page), { code: 'SHUTTING_DOWN' })
  t.same(readdirSync(cacheDir), [], 'nothing was cached (cacheMethod none)')
})

t.test('bad settings are refused', async t => {
  await t.rejects(createOcrPool({ workers: 0, cacheDir }), { code: 'CONFIG_INVALID' })
  await t.rejects(createOcrPool({ workers: 2.5, cacheDir }), { code: 'CONFIG_INVALID' })
  await t.rejects(createOcrPool({ workers: 1, cacheDir: '' }), { code: 'CONFIG_INVALID' })
})
