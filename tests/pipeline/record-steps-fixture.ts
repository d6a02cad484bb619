/**
 * For the record-step tests on the real appliance: a 5-page scanned PDF (corpus pages, downsized so OCR stays
 * quick), posting it, and the record steps' job log (the runner's `record step done` lines at debug level).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { jpegPdf } from '../imaging/pdf-fixtures.js'
import { CORPUS } from '../helpers/tmp.js'

export const PAGES = 5

export async function fivePagePdf (): Promise<Buffer> {
  const jpegs: Buffer[] = []
  for (let i = 0; i < PAGES; i++) {
    const corpus = await readFile(join(CORPUS, `${String(i).padStart(4, '0')}.jpg`))
    jpegs.push(await sharp(corpus).resize({ width: 1240 }).jpeg({ quality: 85 }).toBuffer())
  }
  return await jpegPdf(jpegs, jpegs.map(() => 150))
}

export async function postPdf (url: string, secret: string, pdf: Buffer): Promise<{ recordId: string, batchId: string }> {
  const res = await fetch(`${url}/api/v1/pages?unit=622&filename=ho-so-5-trang.pdf`, {
    method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/pdf' }, body: new Uint8Array(pdf)
  })
  const body = await res.json() as any
  if (res.status !== 201) throw new Error(`upload refused: ${res.status} ${JSON.stringify(body)}`)
  return { recordId: body.recordId, batchId: body.batchId }
}

/** The runs of each record step for `subject` in an appliance's log lines. */
export function stepRuns (logs: string[], subject: string): Record<string, number> {
  const runs: Record<string, number> = {}
  for (const line of logs) {
    if (!line.includes('"record step done"')) continue
    const entry = JSON.parse(line) as { step: string, subject: string }
    if (entry.subject === subject) runs[entry.step] = (runs[entry.step] ?? 0) + 1
  }
  return runs
}

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export async function until (check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}
