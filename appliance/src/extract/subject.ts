/**
 * Who the result is issued to, and their personal ID number. A labelled line wins (`Họ và tên:`, `Họ, chữ đệm,
 * tên:`, `Cấp cho:`, `Chủ hộ kinh doanh:`, `Ông/Bà:`); otherwise a name introduced by `ông`/`bà` in the text, the
 * one repeated most (a decision names its subject in the summary and again in its articles). The ID is the number
 * after `CCCD`, `CMND`, `số định danh` nearest that name.
 */
import type { Reading } from './field.js'
import { wordAt, wordsIn, type Line, type PageLayout } from './layout.js'
import { checkPersonalId } from './personal-id.js'
import { clean, fold, isNameWord, nameCase, repairDigits } from './text.js'

/** Labels (folded, before the colon) of the subject's name, with how surely each names the subject. */
const NAME_LABELS: Array<[RegExp, number]> = [
  [/^(ho va ten|ho ten|ho,? chu dem,? (va )?ten|ten)( (cua )?(nguoi duoc cap|nguoi de nghi|chu ho|chu so huu|cong dan|nguoi dung ten|nguoi yeu cau))?$/u, 1],
  [/^(cap cho|chung nhan cho|nguoi duoc cap|ten nguoi duoc cap|ten chu ho|ten chu so huu)$/u, 1],
  [/^(chu ho|chu ho kinh doanh|chu so huu|chu su dung|chu dau tu|chu giay to|nguoi su dung dat|nguoi dung ten)$/u, 0.95],
  [/^(ong|ba|ong\s*\/\s*ba|ong\s*\(\s*ba\s*\)|ba\s*\/\s*ong)$/u, 0.9]
]

const LIST_MARK = /^\s*([-+•*]|\d{1,2}\s*[.)]|[a-z]\s*[.)])\s+/u
/** `ông`, `bà`, `ông (bà)`, `ông/bà`, `hộ ông`, `hộ gia đình bà` (folded). */
const HONORIFIC_SOURCE = String.raw`(ho gia dinh\s+|ho\s+)?(ong|ba)(\s*\(\s*ba\s*\)|\s*\/\s*ba|\s*\/\s*ong)?[\s:.]+`
const HONORIFIC = new RegExp(`(?<![a-z])${HONORIFIC_SOURCE}`, 'gu')
const LEADING_HONORIFIC = new RegExp(`^${HONORIFIC_SOURCE}`, 'u')
const ORGANISATION = /^(cong ty|hop tac xa|doanh nghiep|chi nhanh|van phong|truong|benh vien|ngan hang|tong cong ty|ho kinh doanh)\b/u

interface NameHit {
  value: string
  line: Line
  words: Line['words']
  structure: number
}

export function subjectNameField (layouts: PageLayout[], exclude: string | null): { reading: Reading | null, line: Line | null } {
  const labelled: NameHit[] = []
  const introduced: NameHit[] = []
  for (const layout of layouts) {
    for (const line of layout.lines) {
      const hit = fromLabel(line)
      if (hit) labelled.push(hit)
      introduced.push(...fromHonorific(line))
    }
  }
  const notSigner = (h: NameHit): boolean => exclude === null || h.value !== exclude
  const best = labelled.filter(notSigner).sort((a, b) => b.structure - a.structure)[0] ?? mostRepeated(introduced.filter(notSigner))
  if (!best) return { reading: null, line: null }
  return { reading: { value: best.value, used: [{ page: best.line.page, words: best.words }], structure: best.structure, person: true }, line: best.line }
}

function fromLabel (line: Line): NameHit | null {
  const colon = line.text.indexOf(':')
  if (colon <= 0) return null
  const label = line.folded.slice(0, colon).replace(LIST_MARK, '').replace(/\s+/gu, ' ').trim()
  const match = NAME_LABELS.find(([re]) => re.test(label))
  if (!match) return null
  const start = colon + 1
  const name = nameAfter(line, start, true)
  if (!name) return null
  return { ...name, line, structure: match[1] * name.shape }
}

/** Names introduced by `ông`, `bà`, `ông (bà)`, `hộ ông` anywhere in a line. */
function fromHonorific (line: Line): NameHit[] {
  const out: NameHit[] = []
  for (const m of line.folded.matchAll(HONORIFIC)) {
    const name = nameAfter(line, m.index + m[0].length, false)
    if (name && name.shape === 1) out.push({ ...name, line, structure: 0.8 })
  }
  return out
}

/**
 * The name that starts at `start`: after an optional honorific, the capitalised words up to a comma or a word in
 * lower case. An organisation (`Công ty ...`) is taken up to the comma, as printed.
 */
export function nameAfter (line: Line, start: number, labelled: boolean): { value: string, words: Line['words'], shape: number } | null {
  let from = start
  while (from < line.text.length && line.text[from] === ' ') from++
  if (labelled) {
    const h = LEADING_HONORIFIC.exec(line.folded.slice(from))
    if (h) from += h[0].length
  }
  const rest = line.text.slice(from)
  if (rest.trim() === '') return null
  const org = ORGANISATION.exec(fold(rest))
  // `truong` folded is both a school (Trường) and a surname (Trương): only the school is an organisation.
  if (org && (org[1] !== 'truong' || rest.toLowerCase().startsWith('trường'))) {
    const end = from + (rest.search(/[,;]/u) < 0 ? rest.length : rest.search(/[,;]/u))
    const value = clean(line.text.slice(from, end))
    return value ? { value, words: wordsIn(line, from, end), shape: 0.9 } : null
  }
  const tokens = rest.split(' ')
  const kept: string[] = []
  let end = from
  let offset = from
  let prevWord = -1
  for (let k = 0; k < tokens.length; k++) {
    const raw = tokens[k]
    const t = raw.replace(/[,;.:)]+$/u, '')
    if (!isNameWord(t)) break
    // A capital that starts the next label (`Ngày sinh:`, `Giới tính:`) is not part of the name.
    const next = tokens[k + 1]
    if (kept.length >= 2 && next !== undefined && /^\p{Ll}+:$/u.test(next)) break
    // A gap of several spaces is the next column (`Họ và tên: X   Ngày sinh: ...`), not the name going on.
    const w = wordAt(line, offset)
    if (prevWord >= 0 && w !== prevWord && line.words[w].bbox.x0 - line.words[prevWord].bbox.x1 > 0.9 * line.h) break
    prevWord = w
    kept.push(t)
    end = offset + raw.length
    offset += raw.length + 1
    if (t !== raw) break // a comma ends the name
  }
  if (kept.length < 2 || kept.length > 7) return null
  return { value: nameCase(kept.join(' ')), words: wordsIn(line, from, end), shape: 1 }
}

function mostRepeated (hits: NameHit[]): NameHit | undefined {
  const counts = new Map<string, number>()
  for (const h of hits) counts.set(h.value, (counts.get(h.value) ?? 0) + 1)
  let best: NameHit | undefined
  for (const h of hits) if (!best || counts.get(h.value)! > counts.get(best.value)!) best = h
  if (best && counts.get(best.value)! > 1) best = { ...best, structure: 0.9 }
  return best
}

/** `Số CCCD:`, `CCCD số`, `CMND số`, `Số định danh cá nhân:`, `Căn cước công dân số` ... then the digits. */
export const ID_LABEL = /(cccd|cmnd|can cuoc( cong dan)?|chung minh (nhan dan|thu)|dinh danh( ca nhan)?|ho chieu)\s*(so\s*)?[:.]?\s*/gu
export const ID_DIGITS = /^[0-9oil|][0-9oil| .]{7,22}/u

interface IdHit {
  digits: string
  line: Line
  words: Line['words']
  structure: number
}

export function subjectIdField (layouts: PageLayout[], nameLine: Line | null, documentNumber: string | null): Reading | null {
  const hits: IdHit[] = []
  for (const layout of layouts) {
    for (const line of layout.lines) {
      for (const m of line.folded.matchAll(ID_LABEL)) {
        const start = m.index + m[0].length
        const raw = ID_DIGITS.exec(line.folded.slice(start))
        if (!raw) continue
        const digits = idDigits(raw[0])
        if (digits) hits.push({ digits, line, words: wordsIn(line, start, start + raw[0].trimEnd().length), structure: 1 })
      }
    }
  }
  if (hits.length === 0) {
    // No label: a lone 12-digit number in the text (never the document's own number).
    for (const layout of layouts) {
      for (const line of layout.lines) {
        line.words.forEach((w, i) => {
          const d = repairDigits(w.text)
          if (d && /^\d{12}$/u.test(d) && d !== documentNumber) hits.push({ digits: d, line, words: [line.words[i]], structure: 0.6 })
        })
      }
    }
  }
  if (hits.length === 0) return null
  let best = hits[0]
  if (nameLine) {
    const distance = (h: IdHit): number => h.line.page !== nameLine.page ? 1e9 + h.line.page : Math.abs(h.line.cy - nameLine.cy) + (h.line.cy < nameLine.cy ? nameLine.h : 0)
    best = [...hits].sort((a, b) => distance(a) - distance(b))[0]
  }
  const warnings = checkPersonalId(best.digits)
  return { value: best.digits, used: [{ page: best.line.page, words: best.words }], structure: best.structure * (warnings.length ? 0.9 : 1), ...(warnings.length ? { warnings } : {}) }
}

/** The ID's digits (spaces and dots as printed dropped, look-alikes repaired), or null unless 9 to 12 of them. */
export function idDigits (raw: string): string | null {
  const tokens = raw.trim().split(/[\s.]+/u).filter(Boolean)
  let digits = ''
  for (const t of tokens) {
    const d = repairDigits(t)
    if (d === null) break
    digits += d
    if (digits.length >= 12) break
  }
  return digits.length >= 9 && digits.length <= 12 ? digits : null
}
