/**
 * What a PDF page's content stream draws, found without rendering anything: where each image lands (its
 * transformation matrix), and whether anything else visible is painted (text not in an invisible render mode,
 * filled or stroked paths, shadings). A copier's page is one image and, often, an invisible OCR text layer;
 * a born-digital page is text and paths. Form XObjects are followed with their own matrix and resources.
 * The tokenizer reads only what decides that: operands are kept as numbers and names, everything else is skipped.
 */

/** [a b c d e f]: a point (x, y) maps to (a x + c y + e, b x + d y + f). */
export type Matrix = [number, number, number, number, number, number]

export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0]

/** m then n: the matrix that applies m first (PDF's `cm` makes CTM' = m × CTM). */
export function multiply (m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[1] * n[2],
    m[0] * n[1] + m[1] * n[3],
    m[2] * n[0] + m[3] * n[2],
    m[2] * n[1] + m[3] * n[3],
    m[4] * n[0] + m[5] * n[2] + n[4],
    m[4] * n[1] + m[5] * n[3] + n[5]
  ]
}

/** An image painted on the page: the image's unit square goes through `ctm` into the page's user space. */
export interface ImagePlacement {
  /** The XObject's name in the resources it was found in; null for an inline image (BI … ID … EI). */
  name: string | null
  /** Resolves the XObject (the resources it was found in may be a form's, not the page's). */
  resources: unknown
  ctm: Matrix
}

export interface PageDrawing {
  images: ImagePlacement[]
  /** Something other than images is visibly painted (text, paths, shadings). */
  otherMarks: boolean
}

/** How the interpreter sees an XObject name; the caller knows the PDF objects. */
export type XObjectLookup = (resources: unknown, name: string) =>
  | { type: 'image' }
  | { type: 'form', content: Uint8Array, matrix: Matrix, resources: unknown }
  | null

/** Forms inside forms deeper than this are a loop or a hostile file, not a scan. */
const MAX_FORM_DEPTH = 12
/** Operators read per page at most (a scanned page has a few dozen; a dense born-digital one a few hundred thousand). */
const MAX_OPERATORS = 2_000_000

const PAINT_OPERATORS = new Set(['f', 'F', 'f*', 'B', 'B*', 'b', 'b*', 'S', 's', 'sh'])
const TEXT_SHOWING = new Set(['Tj', 'TJ', '\'', '"'])
/** Text render modes that paint nothing: 3 (invisible, the OCR layer of searchable scans) and 7 (clip only). */
const INVISIBLE_TEXT = new Set([3, 7])

export class ContentError extends Error {}

export function readPageDrawing (content: Uint8Array, resources: unknown, lookup: XObjectLookup): PageDrawing {
  const drawing: PageDrawing = { images: [], otherMarks: false }
  const budget = { operators: MAX_OPERATORS }
  interpret(content, resources, IDENTITY, lookup, drawing, budget, 0)
  return drawing
}

interface GraphicsState {
  ctm: Matrix
  textMode: number
}

function interpret (content: Uint8Array, resources: unknown, base: Matrix, lookup: XObjectLookup, drawing: PageDrawing, budget: { operators: number }, depth: number): void {
  if (depth > MAX_FORM_DEPTH) throw new ContentError('forms nested too deeply')
  const stack: GraphicsState[] = []
  let state: GraphicsState = { ctm: base, textMode: 0 }
  const lexer = new Lexer(content)
  const operands: Operand[] = []
  for (let token = lexer.next(); token !== null; token = lexer.next()) {
    if (token.kind !== 'operator') {
      operands.push(token.value)
      continue
    }
    if (--budget.operators < 0) throw new ContentError('too many operators')
    const op = token.value
    switch (op) {
      case 'q': stack.push(state); state = { ...state }; break
      case 'Q': state = stack.pop() ?? state; break
      case 'cm': {
        const m = numbers(operands, 6)
        if (m) state.ctm = multiply(m as Matrix, state.ctm)
        break
      }
      case 'Tr': {
        const [mode] = numbers(operands, 1) ?? [0]
        state.textMode = mode
        break
      }
      case 'Do': {
        const name = operands[operands.length - 1]
        if (typeof name !== 'object' || name === null || !('name' in name)) break
        const found = lookup(resources, name.name)
        if (found?.type === 'image') drawing.images.push({ name: name.name, resources, ctm: state.ctm })
        else if (found?.type === 'form') interpret(found.content, found.resources ?? resources, multiply(found.matrix, state.ctm), lookup, drawing, budget, depth + 1)
        break
      }
      case 'BI':
        lexer.skipInlineImage()
        drawing.images.push({ name: null, resources, ctm: state.ctm })
        break
      default:
        if (PAINT_OPERATORS.has(op)) drawing.otherMarks = true
        else if (TEXT_SHOWING.has(op) && !INVISIBLE_TEXT.has(state.textMode)) drawing.otherMarks = true
    }
    operands.length = 0
  }
}

/** The last `n` operands when they are all numbers. */
function numbers (operands: Operand[], n: number): number[] | null {
  if (operands.length < n) return null
  const out = operands.slice(-n)
  return out.every(v => typeof v === 'number' && Number.isFinite(v)) ? out as number[] : null
}

/** Numbers, names, and a placeholder for every operand the interpreter does not need to read. */
type Operand = number | { name: string } | null

type Token = { kind: 'operand', value: Operand } | { kind: 'operator', value: string }

const Ch = {
  Tab: 0x09, LF: 0x0a, FF: 0x0c, CR: 0x0d, Space: 0x20, Nul: 0x00,
  Percent: 0x25, LParen: 0x28, RParen: 0x29, Slash: 0x2f, Less: 0x3c, Greater: 0x3e,
  LBracket: 0x5b, RBracket: 0x5d, LBrace: 0x7b, RBrace: 0x7d, Backslash: 0x5c
} as const

function isWhite (c: number): boolean {
  return c === Ch.Space || c === Ch.LF || c === Ch.CR || c === Ch.Tab || c === Ch.FF || c === Ch.Nul
}

function isDelimiter (c: number): boolean {
  return c === Ch.LParen || c === Ch.RParen || c === Ch.Less || c === Ch.Greater || c === Ch.LBracket ||
    c === Ch.RBracket || c === Ch.LBrace || c === Ch.RBrace || c === Ch.Slash || c === Ch.Percent
}

/** PDF content-stream lexer (ISO 32000-1 §7.2, §8.9.7). Arrays and dictionaries become a single placeholder. */
class Lexer {
  private pos = 0
  constructor (private readonly buf: Uint8Array) {}

  next (): Token | null {
    const buf = this.buf
    for (;;) {
      while (this.pos < buf.length && isWhite(buf[this.pos])) this.pos++
      if (this.pos >= buf.length) return null
      const c = buf[this.pos]
      if (c === Ch.Percent) {
        while (this.pos < buf.length && buf[this.pos] !== Ch.LF && buf[this.pos] !== Ch.CR) this.pos++
        continue
      }
      if (c === Ch.LParen) { this.skipString(); return { kind: 'operand', value: null } }
      if (c === Ch.Less) {
        if (buf[this.pos + 1] === Ch.Less) { this.skipNested(); return { kind: 'operand', value: null } }
        const end = buf.indexOf(Ch.Greater, this.pos)
        this.pos = end < 0 ? buf.length : end + 1
        return { kind: 'operand', value: null }
      }
      if (c === Ch.LBracket) { this.skipNested(); return { kind: 'operand', value: null } }
      if (c === Ch.RBracket || c === Ch.Greater || c === Ch.RParen || c === Ch.LBrace || c === Ch.RBrace) {
        this.pos++ // stray delimiter: skip, as viewers do
        continue
      }
      if (c === Ch.Slash) {
        this.pos++
        return { kind: 'operand', value: { name: decodeName(this.word()) } }
      }
      const word = this.word()
      const n = Number(word)
      if (word.length > 0 && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(word) && Number.isFinite(n)) return { kind: 'operand', value: n }
      if (word === 'true' || word === 'false' || word === 'null') return { kind: 'operand', value: null }
      return { kind: 'operator', value: word }
    }
  }

  /** After BI: the image dictionary, ID, one white-space byte, then binary data up to a white-space-delimited EI. */
  skipInlineImage (): void {
    const buf = this.buf
    for (let token = this.next(); token !== null; token = this.next()) {
      if (token.kind === 'operator' && token.value === 'ID') break
    }
    this.pos++ // the single white-space byte after ID
    while (this.pos < buf.length) {
      const e = buf.indexOf(0x45 /* E */, this.pos)
      if (e < 0) { this.pos = buf.length; return }
      if (buf[e + 1] === 0x49 /* I */ && e > 0 && isWhite(buf[e - 1]) && (e + 2 >= buf.length || isWhite(buf[e + 2]) || isDelimiter(buf[e + 2]))) {
        this.pos = e + 2
        return
      }
      this.pos = e + 1
    }
  }

  private word (): string {
    const start = this.pos
    while (this.pos < this.buf.length && !isWhite(this.buf[this.pos]) && !isDelimiter(this.buf[this.pos])) this.pos++
    if (this.pos === start) this.pos++ // a lone delimiter we do not handle: never loop on it
    return latin1(this.buf, start, this.pos)
  }

  /** A literal string: balanced parentheses, backslash escapes. */
  private skipString (): void {
    let depth = 0
    while (this.pos < this.buf.length) {
      const c = this.buf[this.pos++]
      if (c === Ch.Backslash) this.pos++
      else if (c === Ch.LParen) depth++
      else if (c === Ch.RParen && --depth === 0) return
    }
  }

  /** An array or dictionary, with whatever strings, names and nesting it holds. */
  private skipNested (): void {
    let depth = 0
    const buf = this.buf
    while (this.pos < buf.length) {
      const c = buf[this.pos]
      if (c === Ch.LParen) { this.skipString(); continue }
      if (c === Ch.Percent) {
        while (this.pos < buf.length && buf[this.pos] !== Ch.LF && buf[this.pos] !== Ch.CR) this.pos++
        continue
      }
      if (c === Ch.LBracket) depth++
      else if (c === Ch.RBracket) depth--
      else if (c === Ch.Less && buf[this.pos + 1] === Ch.Less) { depth++; this.pos++ }
      else if (c === Ch.Greater && buf[this.pos + 1] === Ch.Greater) { depth--; this.pos++ }
      else if (c === Ch.Less) { // a hex string inside
        const end = buf.indexOf(Ch.Greater, this.pos)
        this.pos = end < 0 ? buf.length : end
      }
      this.pos++
      if (depth <= 0) return
    }
  }
}

function latin1 (buf: Uint8Array, start: number, end: number): string {
  let s = ''
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i])
  return s
}

/** `#xx` escapes in names (PDF 1.2+). */
function decodeName (raw: string): string {
  return raw.includes('#') ? raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : raw
}
