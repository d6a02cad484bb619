/**
 * The shapes and rules of what people type into the inventory, shared by the domain checks and the HTTP schemas.
 * Numbers and codes never hold `!` (the store's key separator) and are kept as written.
 */
import { AppError } from '../errors/index.js'
import { RETENTIONS, type Retention } from '../store/index.js'

export const NUMBER = '^[0-9A-Za-z./-]{1,20}$'
// The same rules as a separator sheet's payload (separator/payload.ts), so every file can print its cover sheet.
/** Mã hồ sơ `<agency code>-<YYMMDD>-<XXXX>` (Thông tư 01/2018/TT-VPCP Điều 19). */
export const DOSSIER_CODE = '^[0-9A-Z]{1,10}(\\.[0-9A-Z]{1,10}){0,5}-[0-9]{6}-[0-9]{4}$'
/** Mã kết quả such as `KQ.G15.000031`. */
export const RESULT_TYPE_CODE = '^[0-9A-Za-z._-]{1,40}$'
/** Mã TTHC such as `1.003560` or `2.000635.000.00.00.H21`. */
export const PROCEDURE_CODE = '^[0-9A-Za-z._-]{1,40}$'

export interface NewBox {
  unit: string
  number: string
  label?: string | null
  location?: string | null
}

export interface NewInventoryFile {
  unit: string
  /** The box number; the box is registered with the file when the unit has none with this number yet. */
  box: string
  number: string
  title: string
  resultTypeCode?: string | null
  resultTypeName?: string | null
  procedureCode?: string | null
  dossierCode?: string | null
  yearFrom: number
  yearTo: number
  retention: Retention
  countedPages: number
}

export type InventoryFilePatch = Partial<Omit<NewInventoryFile, 'unit'>>

/** JSON schema properties of a file, for the routes (the domain checks below say the same). */
export const fileInputProperties = {
  box: { type: 'string', pattern: NUMBER },
  number: { type: 'string', pattern: NUMBER },
  title: { type: 'string', minLength: 1, maxLength: 500 },
  resultTypeCode: { type: ['string', 'null'], pattern: RESULT_TYPE_CODE },
  resultTypeName: { type: ['string', 'null'], maxLength: 200 },
  procedureCode: { type: ['string', 'null'], pattern: PROCEDURE_CODE },
  dossierCode: { type: ['string', 'null'], pattern: DOSSIER_CODE },
  yearFrom: { type: 'integer', minimum: 1900, maximum: 2100 },
  yearTo: { type: 'integer', minimum: 1900, maximum: 2100 },
  retention: { enum: [...RETENTIONS] },
  countedPages: { type: 'integer', minimum: 0, maximum: 1_000_000 }
} as const

const is = (pattern: string, value: string | null | undefined): boolean => value === null || value === undefined || new RegExp(pattern).test(value)

/** Checks a whole file (after a patch is applied); throws VALIDATION with every problem found. */
export function checkFile (f: NewInventoryFile): void {
  const problems: string[] = []
  if (!is(NUMBER, f.box)) problems.push('box: up to 20 characters 0-9, A-Z, dot, slash or hyphen')
  if (!is(NUMBER, f.number)) problems.push('number: up to 20 characters 0-9, A-Z, dot, slash or hyphen')
  if (!f.title?.trim() || f.title.length > 500) problems.push('title: required, up to 500 characters')
  if (!is(RESULT_TYPE_CODE, f.resultTypeCode)) problems.push('resultTypeCode: e.g. KQ.G15.000031')
  if (!is(PROCEDURE_CODE, f.procedureCode)) problems.push('procedureCode: e.g. 1.003560')
  if (!is(DOSSIER_CODE, f.dossierCode)) problems.push('dossierCode: <agency code>-<YYMMDD>-<XXXX>')
  if (!Number.isInteger(f.yearFrom) || !Number.isInteger(f.yearTo) || f.yearFrom < 1900 || f.yearTo > 2100 || f.yearFrom > f.yearTo) problems.push('yearFrom, yearTo: years, yearFrom not after yearTo')
  if (!RETENTIONS.includes(f.retention)) problems.push(`retention: one of ${RETENTIONS.join(', ')}`)
  if (!Number.isInteger(f.countedPages) || f.countedPages < 0) problems.push('countedPages: a whole number, 0 or more')
  if (problems.length > 0) throw new AppError('VALIDATION', { problems })
}

export function checkBox (b: NewBox): void {
  if (!is(NUMBER, b.number)) throw new AppError('VALIDATION', { problems: ['number: up to 20 characters 0-9, A-Z, dot, slash or hyphen'] })
}
