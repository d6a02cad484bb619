/**
 * The text a separator sheet's QR code carries: `SOHOA1|u=622|d=000.00.21.H21-230505-0001|p=1.003560|k=KQ.G15.000031|b=3|f=12`.
 * - `SOHOA1` names the format and its version; anything else is not a separator (a verification QR on a signed
 *   copy, a URL, a future version this build cannot read).
 * - Then `key=value` fields in one fixed order, each at most once, values URL-escaped (encodeURIComponent).
 * - Parsing is strict: a text is accepted only if encoding what it says gives back the very same text. So every
 *   accepted text has exactly one meaning, and no damaged or hand-made variant can split a stack by accident.
 * The value rules match the record's codes (records/lifecycle.ts) and the unit catalogue, so what a sheet says can
 * be stored on the record without a second check failing. Only `unit` is required: results from before 2018 have no
 * dossier code, and a sheet is first of all a boundary between records. In input, null means absent (an
 * `InventorySheet` can be passed as it is); parsed separators leave absent fields out.
 */

export const SEPARATOR_PREFIX = 'SOHOA1'

export interface SeparatorInfo {
  /** Unit (statistics code, as in the unit catalogue), e.g. `622`. Required. */
  unit: string
  /** Mã hồ sơ `<agency code>-<YYMMDD>-<XXXX>` (TT 01/2018/TT-VPCP), e.g. `000.00.21.H21-230505-0001`. */
  dossierCode?: string | null
  /** Mã TTHC, e.g. `1.003560`. */
  procedureCode?: string | null
  /** Mã kết quả, e.g. `KQ.G15.000031`. */
  resultTypeCode?: string | null
  /** Hộp số: the archive box holding the paper. */
  box?: string | null
  /** Hồ sơ số: the file number within the box. */
  file?: string | null
  /** The inventory file (`if_…`) the sheet was printed for (inventory module, `InventorySheet`). */
  inventoryFileId?: string | null
}

type Field = keyof SeparatorInfo

/** Payload key, field and its rule; the order here is the order in the text. */
const FIELDS: ReadonlyArray<{ key: string, field: Field, rule: RegExp }> = [
  { key: 'u', field: 'unit', rule: /^[0-9A-Za-z.]{1,35}$/ },
  { key: 'd', field: 'dossierCode', rule: /^[0-9A-Z]{1,10}(\.[0-9A-Z]{1,10}){0,5}-\d{6}-\d{4}$/ },
  { key: 'p', field: 'procedureCode', rule: /^[0-9A-Za-z.\-_]{1,40}$/ },
  { key: 'k', field: 'resultTypeCode', rule: /^[0-9A-Za-z.\-_]{1,40}$/ },
  { key: 'b', field: 'box', rule: /^[0-9A-Za-z.\-_/ ]{1,20}$/ },
  { key: 'f', field: 'file', rule: /^[0-9A-Za-z.\-_/ ]{1,20}$/ },
  { key: 'i', field: 'inventoryFileId', rule: /^[0-9A-Za-z.\-_:]{1,64}$/ }
]

/** The first rule a separator breaks, or null when it is valid. */
export function separatorProblem (info: SeparatorInfo): string | null {
  if (typeof info !== 'object' || info === null) return 'not an object'
  for (const key of Object.keys(info)) {
    if (!FIELDS.some(f => f.field === key)) return `unknown field ${key}`
  }
  for (const { field, rule } of FIELDS) {
    const value = info[field]
    if (value === undefined || value === null) {
      if (field === 'unit') return 'unit is required'
      continue
    }
    if (typeof value !== 'string' || !rule.test(value)) return `${field} is not valid`
    // A space at either end would not survive a person copying the code from the sheet.
    if (value.trim() !== value) return `${field} has spaces at its ends`
  }
  return null
}

/** The QR text for a sheet. Throws a RangeError naming the bad field when `info` breaks a rule. */
export function encodeSeparator (info: SeparatorInfo): string {
  const problem = separatorProblem(info)
  if (problem !== null) throw new RangeError(`invalid separator: ${problem}`)
  const parts = [SEPARATOR_PREFIX]
  for (const { key, field } of FIELDS) {
    const value = info[field]
    if (value !== undefined && value !== null) parts.push(`${key}=${encodeURIComponent(value)}`)
  }
  return parts.join('|')
}

/** The separator a QR text describes, or null when it is not exactly a text `encodeSeparator` writes. */
export function parseSeparator (text: string): SeparatorInfo | null {
  if (typeof text !== 'string' || text.length > 1024) return null
  const parts = text.split('|')
  if (parts[0] !== SEPARATOR_PREFIX) return null
  const info: Partial<Record<Field, string>> = {}
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=')
    if (eq <= 0) return null
    const spec = FIELDS.find(f => f.key === part.slice(0, eq))
    if (!spec || info[spec.field] !== undefined) return null
    let value: string
    try {
      value = decodeURIComponent(part.slice(eq + 1))
    } catch {
      return null
    }
    info[spec.field] = value
  }
  if (info.unit === undefined) return null
  const candidate = info as SeparatorInfo
  if (separatorProblem(candidate) !== null) return null
  // Canonical form only: fixed order, no redundant escapes; one meaning per accepted text.
  return encodeSeparator(candidate) === text ? candidate : null
}

/** True when two separators say the same thing (absent and null are the same). */
export function sameSeparator (a: SeparatorInfo, b: SeparatorInfo): boolean {
  return FIELDS.every(({ field }) => (a[field] ?? null) === (b[field] ?? null))
}
