/**
 * Shared by the archive tests: the independent tools (poppler-utils, qpdf) run on files, words placed on a grid
 * from a corpus page's true text, and a few pixel helpers for renders.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import type { ArchivalWord } from '../../appliance/src/archive/pdf/index.js'
import { CORPUS } from '../helpers/tmp.js'

export interface Run { code: number, stdout: string, stderr: string }

/** Runs a tool; never throws for a non-zero exit (pdfsig exits 0 on bad signatures anyway: read its output). */
export async function run (cmd: string, args: string[]): Promise<Run> {
  return await new Promise(resolve => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** Runs a tool for its binary output. */
export async function runBytes (cmd: string, args: string[]): Promise<Buffer> {
  return await new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' }, (err, stdout) => { if (err) reject(err); else resolve(stdout) })
  })
}

export async function writePdf (dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, bytes)
  return file
}

export function corpusPage (file: string): Buffer {
  return readFileSync(join(CORPUS, file))
}

export interface TruthLine { file: string, dpi: number, skew_deg: number, text: string, so_ky_hieu: string, chu_the: string }

export function corpusTruth (file: string): TruthLine {
  const line = readFileSync(join(CORPUS, 'truth.jsonl'), 'utf8').trim().split('\n').map(l => JSON.parse(l) as TruthLine).find(l => l.file === file)
  if (!line) throw new Error(`no truth for ${file}`)
  return line
}

/**
 * The page's true lines as OCR-like words on a grid (in a space `scale` times the master's pixels): word boxes are
 * known exactly, which is what placement checks need. The text matches the page's; the positions do not.
 */
export function gridWords (text: string, widthPx: number, scale = 1): ArchivalWord[] {
  const words: ArchivalWord[] = []
  const lineHeight = 34 * scale
  const charWidth = 15 * scale
  let y = 260 * scale
  let line = 0
  for (const textLine of text.split('\n')) {
    let x = 180 * scale
    for (const w of textLine.split(/\s+/).filter(Boolean)) {
      const width = Math.max(1, [...w].length) * charWidth
      if (x + width > (widthPx - 150) * scale) { x = 180 * scale; y += lineHeight * 1.6; line++ }
      words.push({ text: w, bbox: { x0: x, y0: y, x1: x + width, y1: y + lineHeight }, block: 1, par: 1, line })
      x += width + 12 * scale
    }
    y += lineHeight * 1.6
    line++
  }
  return words
}

export interface BboxWord { text: string, xMin: number, yMin: number, xMax: number, yMax: number }

/** `pdftotext -bbox` words of one page (points, top-left origin). */
export async function bboxWords (file: string, page: number): Promise<BboxWord[]> {
  const r = await run('pdftotext', ['-bbox', '-f', String(page), '-l', String(page), file, '-'])
  const words: BboxWord[] = []
  const re = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g
  for (const m of r.stdout.matchAll(re)) {
    const text = m[5].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, '\'')
    words.push({ text, xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]) })
  }
  return words
}

export interface Grey { data: Buffer, width: number, height: number }

/** Renders one page with pdftoppm and returns it as 8-bit grey. */
export async function render (file: string, page: number, dpi: number, outDir: string): Promise<Grey> {
  const base = join(outDir, `render-${page}-${dpi}-${Math.random().toString(36).slice(2)}`)
  const r = await run('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', '-png', file, base])
  if (r.code !== 0) throw new Error(`pdftoppm failed: ${r.stderr}`)
  const { data, info } = await sharp(`${base}.png`).greyscale().raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** Pixels darker than `threshold` inside [x0, x1) x [y0, y1). */
export function darkPixels (g: Grey, x0: number, y0: number, x1: number, y1: number, threshold = 128): number {
  let n = 0
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(g.height, Math.ceil(y1)); y++) {
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(g.width, Math.ceil(x1)); x++) if (g.data[y * g.width + x] < threshold) n++
  }
  return n
}

/** The XMP packet of a PDF, found the way a non-PDF tool would (it is stored uncompressed). */
export function xmpOf (pdf: Uint8Array): string {
  const s = Buffer.from(pdf).toString('utf8')
  const start = s.indexOf('<?xpacket begin=')
  const end = s.indexOf('<?xpacket end="w"?>')
  if (start < 0 || end < 0) throw new Error('no XMP packet')
  return s.slice(start, end + '<?xpacket end="w"?>'.length)
}

/**
 * A small well-formedness check: every start tag is closed in order, attributes are quoted, entities are known.
 * (No XML parser ships with Node; this catches what a builder bug would produce.)
 */
export function wellFormed (xml: string): boolean {
  const body = xml.replace(/<\?[\s\S]*?\?>/g, '')
  const stack: string[] = []
  for (const m of body.matchAll(/<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos);)/g)) {
    if (m[2] === undefined) return false
    if (m[1] === '/') { if (stack.pop() !== m[2]) return false } else if (m[4] !== '/') stack.push(m[2])
  }
  return stack.length === 0
}

export type QpdfValue = string | number | boolean | null | QpdfValue[] | { [key: string]: QpdfValue }
export interface QpdfObject { value?: QpdfValue, stream?: { dict: Record<string, QpdfValue> } }

/** The file's objects as qpdf reads them (`qpdf --json=2`), plus `trailer`. */
export async function qpdfObjects (file: string): Promise<Map<string, QpdfObject>> {
  const r = await run('qpdf', ['--json=2', '--json-key=qpdf', file])
  if (r.code !== 0 && r.code !== 3) throw new Error(`qpdf --json failed: ${r.stderr}`)
  const objects = (JSON.parse(r.stdout) as { qpdf: [unknown, Record<string, QpdfObject>] }).qpdf[1]
  return new Map(Object.entries(objects).map(([k, v]) => [k === 'trailer' ? 'trailer' : k.replace(/^obj:/, ''), v]))
}

/** Follows a reference ("5 0 R") to its dictionary (a stream's dictionary for streams). */
export function deref (objects: Map<string, QpdfObject>, v: QpdfValue | undefined): Record<string, QpdfValue> {
  if (typeof v === 'string' && / R$/.test(v)) {
    const o = objects.get(v)
    if (!o) throw new Error(`missing object ${v}`)
    return (o.stream?.dict ?? o.value) as Record<string, QpdfValue>
  }
  return v as Record<string, QpdfValue>
}
