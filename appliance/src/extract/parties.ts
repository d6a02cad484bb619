/**
 * The parties a result names, each with its role, name, ID number and birth date where printed: the labelled lines
 * of the body (`Họ, chữ đệm, tên chồng:`, `Chủ hộ kinh doanh:`, `Cơ sở:`, `Người đại diện:`, `Ông:`/`Bà:` ...)
 * and, for a decision with no such line, the person its summary names (`... của hộ ông (bà) X`). An ID or birth
 * date belongs to the party whose line precedes it, up to the next party. The main subject follows the kind's rule:
 * the child of a birth extract, the deceased, the husband of a marriage, the holder, the owner rather than the shop.
 */
import type { Reading } from './field.js'
import { toField } from './field.js'
import { boxesOf, type Line, type PageLayout, type Used } from './layout.js'
import { checkPersonalId } from './personal-id.js'
import { ID_DIGITS, ID_LABEL, idDigits, nameAfter } from './subject.js'
import { clean, findDates, fold } from './text.js'
import type { Party, PartiesField } from './types.js'

type Role = Party['role']

/** Folded labels (before the colon) and the role they introduce; `person` takes the kind's role. */
const LABELS: Array<[RegExp, Role | 'person']> = [
  [/^(ho,? chu dem,? (va )?ten|ho va ten|ho ten) (nguoi )?chong$/u, 'husband'],
  [/^(ho,? chu dem,? (va )?ten|ho va ten|ho ten) (nguoi )?vo$/u, 'wife'],
  [/^(ho,? chu dem,? (va )?ten|ho va ten|ho ten) (nguoi )?me$/u, 'mother'],
  [/^(ho,? chu dem,? (va )?ten|ho va ten|ho ten) (nguoi )?cha$/u, 'father'],
  [/^(ho,? chu dem,? (va )?ten|ho va ten|ho ten)( (cua )?(nguoi duoc cap|nguoi de nghi|cong dan|nguoi yeu cau))?$/u, 'person'],
  [/^(chu ho kinh doanh|chu co so|chu so huu|chu doanh nghiep)$/u, 'owner'],
  [/^(nguoi dai dien( theo phap luat)?)$/u, 'representative'],
  [/^(ten ho kinh doanh|co so|ten co so|ten thuong nhan|ten cua hang)$/u, 'establishment'],
  [/^(\d+\s*\.\s*)?ten (cong ty|doanh nghiep|hop tac xa)( viet bang tieng viet)?$/u, 'enterprise'],
  [/^(cap cho|chung nhan cho|nguoi duoc cap)$/u, 'holder'],
  [/^(ong|ba|ong\s*\/\s*ba|ong\s*\(\s*ba\s*\))$/u, 'holder']
]

/** Roles in the order the main subject is chosen. Bodies (a shop, a company) and parents come last. */
const MAIN_ORDER: Role[] = ['child', 'deceased', 'husband', 'holder', 'household', 'beneficiary', 'owner', 'representative', 'wife', 'establishment', 'enterprise', 'mother', 'father']

interface Found {
  party: Party
  line: Line
  used: Used[]
  structure: number
}

/** The role of an unqualified `Họ, chữ đệm, tên:` by the document's type. */
function personRole (typeFolded: string): Role {
  if (typeFolded.includes('khai sinh')) return 'child'
  if (typeFolded.includes('khai tu')) return 'deceased'
  if (typeFolded.includes('doanh nghiep')) return 'representative'
  return 'holder'
}

const BIRTH_LABEL = /(ngay,? thang,? nam sinh|ngay sinh|sinh ngay)\s*:?\s*/u

export function partiesOf (layouts: PageLayout[], type: string | null, summary: Reading | null, exclude: string | null): { parties: Found[], main: Found | null } {
  const typeFolded = fold(type ?? '')
  const lines = layouts.flatMap(l => l.lines)
  const found: Found[] = []
  let current: Found | null = null
  for (const line of lines) {
    const labelled = fromLabel(line, typeFolded)
    if (labelled) {
      found.push(labelled)
      current = labelled
    }
    if (!current) continue
    // An ID or birth date on the party's line or under it, before the next party.
    if (current.party.idNumber === undefined && (current.party.role !== 'establishment' && current.party.role !== 'enterprise')) {
      const id = idOn(line)
      if (id) { current.party.idNumber = id.digits; current.used.push(id.used); if (checkPersonalId(id.digits).length) current.structure *= 0.9 }
    }
    if (current.party.birthDate === undefined && current.party.role !== 'establishment' && current.party.role !== 'enterprise') {
      const b = BIRTH_LABEL.exec(line.folded)
      if (b) {
        const d = findDates(line.folded.slice(b.index)).find(x => x.start <= b[0].length + 2)
        if (d) current.party.birthDate = d.iso
      }
    }
  }
  // An ID printed before any labelled person (a shop first, then its owner's ID) stays with the owner.
  let parties = found.filter(f => exclude === null || f.party.name !== exclude)
  if (!parties.some(f => f.party.role !== 'establishment' && f.party.role !== 'enterprise') && summary) {
    const s = fromSummary(summary, typeFolded, lines)
    if (s) parties = [...parties, s]
  }
  // A body's ID found under it belongs to the person who follows it.
  const main = [...parties].sort((a, b) => MAIN_ORDER.indexOf(a.party.role) - MAIN_ORDER.indexOf(b.party.role))[0] ?? null
  return { parties, main }
}

function fromLabel (line: Line, typeFolded: string): Found | null {
  const colon = line.text.indexOf(':')
  if (colon <= 0) return null
  const label = line.folded.slice(0, colon).replace(/^\s*([-+•*]|[a-z]\s*[.)])\s+/u, '').replace(/\s+/gu, ' ').trim()
  const match = LABELS.find(([re]) => re.test(label))
  if (!match) return null
  const role = match[1] === 'person' ? personRole(typeFolded) : match[1]
  if (role === 'establishment' || role === 'enterprise') {
    let end = line.text.length
    const comma = line.text.slice(colon + 1).search(/[,;]|\s{3,}/u)
    if (comma >= 0) end = colon + 1 + comma
    const value = clean(line.text.slice(colon + 1, end))
    if (value.length < 3) return null
    const words = line.words.filter((_, i) => line.starts[i] > colon && line.starts[i] < end)
    return { party: { role, name: value }, line, used: [{ page: line.page, words }], structure: 0.95 }
  }
  const name = nameAfter(line, colon + 1, true)
  if (!name || name.shape < 1) return null
  return { party: { role, name: name.value }, line, used: [{ page: line.page, words: name.words }], structure: 1 }
}

function idOn (line: Line): { digits: string, used: Used } | null {
  for (const m of line.folded.matchAll(ID_LABEL)) {
    const start = m.index + m[0].length
    const raw = ID_DIGITS.exec(line.folded.slice(start))
    if (!raw) continue
    const digits = idDigits(raw[0])
    if (digits) return { digits, used: { page: line.page, words: line.words.filter((_, i) => line.starts[i] >= start && line.starts[i] < start + raw[0].length) } }
  }
  return null
}

const HOUSEHOLD = /(?<![a-z])ho\s+(gia dinh\s+)?(ong|ba)(\s*\(\s*ba\s*\)|\s*\/\s*ba)?\s+/u
const PERSON = /(?<![a-z])(ong|ba)(\s*\(\s*ba\s*\)|\s*\/\s*ba)?\s+/u
const BENEFIT = /\b(tro cap|ho tro|tro giup|mai tang phi)\b/u

/** A decision's subject named in its summary: a household (`hộ ông X`), or a person (`đối với bà X`). */
function fromSummary (summary: Reading, typeFolded: string, lines: Line[]): Found | null {
  for (const u of summary.used) {
    const line = lines.find(l => l.words === u.words || (l.page === u.page && l.words[0] === u.words[0]))
    if (!line) continue
    const household = HOUSEHOLD.exec(line.folded)
    const person = household ?? PERSON.exec(line.folded)
    if (!person) continue
    const name = nameAfter(line, person.index + person[0].length, false)
    if (!name || name.shape < 1) continue
    const role: Role = household ? 'household' : BENEFIT.test(fold(summary.value)) ? 'beneficiary' : 'holder'
    const found: Found = { party: { role, name: name.value }, line, used: [{ page: line.page, words: name.words }], structure: 0.9 }
    // Its ID is the one printed with the same name in the articles.
    for (const l of lines) {
      if (l === line || !fold(l.text).includes(fold(name.value))) continue
      const id = idOn(l) ?? idOnNext(lines, l)
      if (id) { found.party.idNumber = id.digits; found.used.push(id.used); break }
    }
    for (const l of lines) {
      if (!fold(l.text).includes(fold(name.value))) continue
      const b = /sinh ngay\s*/u.exec(l.folded)
      const d = b ? findDates(l.folded.slice(b.index)).find(x => x.start <= b[0].length + 2) : undefined
      if (d) { found.party.birthDate = d.iso; break }
    }
    void typeFolded
    return found
  }
  return null
}

function idOnNext (lines: Line[], l: Line): { digits: string, used: Used } | null {
  const i = lines.indexOf(l)
  return i >= 0 && i + 1 < lines.length ? idOn(lines[i + 1]) : null
}

export function partiesField (found: Found[]): PartiesField {
  if (found.length === 0) return { value: [], confidence: 0, boxes: [] }
  const used = found.flatMap(f => f.used)
  // The list is as sure as its least sure party, each judged as a field is (its weakest doubted word included).
  const confidence = Math.min(...found.flatMap(f => [
    toField({ value: f.party.name, used: f.used.slice(0, 1), structure: f.structure, person: true }).confidence,
    toField({ value: f.party.name, used: f.used, structure: f.structure }).confidence
  ]))
  return { value: found.map(f => ({ ...f.party })), confidence, boxes: boxesOf(used) }
}

export type { Found as PartyFound }
