/** The sample corpus' ground truth for the key fields (glossary: Vietnamese keys to field names), and the comparison. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FieldName } from '../../appliance/src/extract/index.js'
import { CORPUS } from '../helpers/tmp.js'

export { CORPUS }

/** Fields the corpus has truth for (signerTitle and validUntil have none: checked by eye). */
export const TRUTH_KEYS: Partial<Record<FieldName, string>> = {
  documentType: 'loai_van_ban',
  documentNumber: 'so_ky_hieu',
  issuedDate: 'ngay_ban_hanh',
  issuer: 'co_quan_ban_hanh',
  summary: 'trich_yeu',
  signer: 'nguoi_ky',
  subjectName: 'chu_the',
  subjectId: 'so_dinh_danh'
}
export const TRUTH_FIELDS = Object.keys(TRUTH_KEYS) as FieldName[]

export interface CorpusPage {
  file: string
  template: string
  dpi: number
  text: string
  fields: Partial<Record<FieldName, string>>
}

export function corpusPages (): CorpusPage[] {
  return readFileSync(join(CORPUS, 'truth.jsonl'), 'utf8').trim().split('\n').map(line => {
    const raw = JSON.parse(line) as Record<string, unknown>
    const fields: Partial<Record<FieldName, string>> = {}
    for (const name of TRUTH_FIELDS) fields[name] = String(raw[TRUTH_KEYS[name]!])
    return { file: String(raw.file), template: String(raw.template), dpi: Number(raw.dpi), text: String(raw.text), fields }
  })
}

/** The comparison the figures use: NFC and single spaces on both sides, then exact (dates are ISO on both). */
export function sameValue (got: string | null, want: string): boolean {
  const norm = (s: string): string => s.normalize('NFC').replace(/\s+/gu, ' ').trim()
  return got !== null && norm(got) === norm(want)
}
