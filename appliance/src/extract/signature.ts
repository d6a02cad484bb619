/**
 * The signature block (NĐ 30/2020 Phụ lục I, item 7): bottom-right of the last page, the authority line
 * (`TM.`, `KT.`, `TL.`, `TUQ.`) and the signer's title in capitals, then the gap the signature and seal take, then
 * the signer's name. Found by position: capital lines right of the centre, below the title of the document, and the
 * first name-like line under them in the same column.
 */
import type { Reading } from './field.js'
import type { Header } from './header.js'
import type { Line, PageLayout } from './layout.js'
import { clean, isNameWord, nameCase, upperShare } from './text.js'

const AUTHORITY = /^\W*(kt|tm|tl|tuq|thua lenh|thua uy quyen)\b\W*/u
const ACTING = /^\W*q\s*\./u

/** Lines from the title line down this far (in type heights) can hold the name. */
const SIGNATURE_GAP = 16

export interface Signature {
  signer: Reading | null
  signerTitle: Reading | null
}

export function signatureFields (layouts: PageLayout[], header: Header | null): Signature {
  for (let p = layouts.length - 1; p >= 0; p--) {
    const found = onPage(layouts[p], header && header.layout === layouts[p] ? header : null)
    if (found) return found
  }
  return { signer: null, signerTitle: null }
}

function titleLike (l: Line): boolean {
  const u = upperShare(l.text)
  return (u.letters >= 3 && u.share >= 0.7) || (AUTHORITY.test(l.folded) && u.letters >= 3)
}

function onPage (layout: PageLayout, header: Header | null): Signature | null {
  const below = header ? header.bottom + header.layout.lineHeight : 0
  const right = layout.lines.filter(l => l.y0 > below && l.cx > layout.centre + 0.06 * layout.width)
  const titles = right.filter(titleLike)
  if (titles.length === 0) return null
  const blocks: Line[][] = []
  for (const l of titles) {
    const last = blocks[blocks.length - 1]
    const prev = last?.[last.length - 1]
    if (prev && l.y0 - prev.y1 <= 1.5 * Math.max(prev.h, l.h) && overlaps(prev, l)) last.push(l)
    else blocks.push([l])
  }
  for (let b = blocks.length - 1; b >= 0; b--) {
    const block = blocks[b]
    const name = nameUnder(layout, block)
    if (name) return { signer: name, signerTitle: titleOf(block) }
  }
  const last = blocks[blocks.length - 1]
  return { signer: null, signerTitle: titleOf(last) }
}

function overlaps (a: { x0: number, x1: number }, b: { x0: number, x1: number }): boolean {
  return Math.min(a.x1, b.x1) > Math.max(a.x0, b.x0)
}

function nameUnder (layout: PageLayout, block: Line[]): Reading | null {
  const x0 = Math.min(...block.map(l => l.x0))
  const x1 = Math.max(...block.map(l => l.x1))
  const bottom = Math.max(...block.map(l => l.y1))
  const h = Math.max(...block.map(l => l.h))
  const column = { x0: x0 - 2 * h, x1: x1 + 2 * h }
  for (const l of layout.lines) {
    if (l.y0 <= bottom || l.y0 > bottom + SIGNATURE_GAP * h) continue
    if (l.cx < column.x0 || l.cx > column.x1) continue
    const name = personName(l)
    // Marks before the name on its line (a seal's edge) may hide a first word: worth a look.
    if (name) return { value: name.value, used: [{ page: l.page, words: name.words }], structure: name.words[0] === l.words[0] ? 1 : 0.8, person: true }
  }
  return null
}

/**
 * A line that is a person's name: its last run of 2-7 capitalised words of letters, with at most one stray mark
 * after it (a rank before the name, `Đại tá Nguyễn Văn A`, is left out).
 */
export function personName (l: Line): { value: string, words: Line['words'] } | null {
  // A hyphen or a slash (a pen stroke) OCR read between two parts of a name (`Đinh-Mỹ`) is the space between them.
  const words = l.words.flatMap(w => w.text.split(/(?<=\p{L})[-–/](?=\p{Lu})/u).map(t => ({ w, t: t.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '') })))
  let to = words.length
  while (to > 0 && !isNameWord(words[to - 1].t)) to--
  // Junk read from a signature stroke is short and scarce: at most one mark after the name.
  if (words.length - to > 1) return null
  let from = to
  while (from > 0 && isNameWord(words[from - 1].t)) from--
  const kept = words.slice(from, to)
  if (kept.length < 2 || kept.length > 7) return null
  // A rank of one or two words may come first; more than that is a sentence, not a name line.
  if (from > 2) return null
  return { value: nameCase(kept.map(k => k.t).join(' ')), words: kept.map(k => k.w) }
}

/**
 * The signer's own title: the authority line (`KT. CHỦ TỊCH`, `TM. ỦY BAN NHÂN DÂN`) names on whose behalf they
 * sign, the line under it their position (`PHÓ CHỦ TỊCH`). An acting title (`Q. CHỦ TỊCH`) is kept whole.
 */
function titleOf (block: Line[]): Reading | null {
  let lines = block
  while (lines.length > 1 && AUTHORITY.test(lines[0].folded) && !ACTING.test(lines[0].folded)) lines = lines.slice(1)
  // Marks a seal or a stroke leaves before the first capital (`_ CHỦ TỊCH`, `.sPHÓ CHỦ TỊCH`) are not the title.
  const text = clean(lines.map(l => l.text).join(' ').replace(/(\p{Lu}{2,})\.(?=\p{Lu})/gu, '$1 ').replace(/^[^\p{Lu}]+/u, '').replace(/[.,:;]+$/u, ''))
  if (text === '') return null
  const structure = block.length > 1 || AUTHORITY.test(block[0].folded) ? 1 : 0.95
  return { value: text, used: lines.map(l => ({ page: l.page, words: l.words })), structure }
}
