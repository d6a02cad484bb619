/**
 * The catalogue as one document: units and targets with a version, sent from the province to its districts by
 * replication (and by hand with `sohoa unit export` / `sohoa unit import`). It arrives from another machine, so it
 * is checked in full before anything is written.
 */
import { Ajv } from 'ajv'
import { AppError } from '../errors/index.js'
import type { Target, Unit } from '../store/index.js'

export const SNAPSHOT_FORMAT = 'sohoa-catalogue/1'

export interface CatalogueSnapshot {
  format: typeof SNAPSHOT_FORMAT
  /** The sender's own change counter: later means higher, within one `origin`. Never a clock. */
  version: number
  /** Which catalogue the version numbers (a node's random id, made once); absent in files from older nodes. */
  origin?: string
  exportedAt: string
  units: Unit[]
  targets: Target[]
}

// Never dots alone: a code is also a folder name (`sohoa export`), and `..` would leave the folder.
export const UNIT_CODE = '^(?!\\.+$)[0-9A-Za-z.]{1,35}$'
/** QĐ 20/2020/QĐ-TTg padded form `V1V2V3.Z1Z2.Y1Y2.MX1X2`, e.g. `000.00.00.H21` (standards.md §4). */
export const AGENCY_CODE = '^[0-9A-Z]{3}\\.[0-9A-Z]{2}\\.[0-9A-Z]{2}\\.[0-9A-Z]{3}$'
export const DAY = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'

const day = { type: 'string', pattern: DAY } as const

export const unitJsonSchema = {
  type: 'object',
  required: ['code', 'name', 'level', 'parent', 'agencyCode', 'createdAt'],
  properties: {
    code: { type: 'string', pattern: UNIT_CODE },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    level: { enum: ['province', 'district', 'commune'] },
    parent: { type: ['string', 'null'], pattern: UNIT_CODE },
    agencyCode: { type: ['string', 'null'], pattern: AGENCY_CODE },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    formerNames: {
      type: 'array', maxItems: 50,
      items: { type: 'object', required: ['name', 'until'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, until: day } }
    },
    mergedInto: { type: 'object', required: ['code', 'effective'], additionalProperties: false, properties: { code: { type: 'string', pattern: UNIT_CODE }, effective: day } }
  }
} as const

export const targetJsonSchema = {
  type: 'object',
  required: ['unit', 'year', 'pages', 'estimated', 'source', 'updatedAt'],
  properties: {
    unit: { type: 'string', pattern: UNIT_CODE },
    year: { type: 'integer', minimum: 2000, maximum: 2100 },
    pages: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
    estimated: { type: 'boolean' },
    source: { type: ['string', 'null'], maxLength: 500 },
    updatedAt: { type: 'string' }
  }
} as const

export const snapshotJsonSchema = {
  type: 'object',
  required: ['format', 'version', 'units', 'targets'],
  properties: {
    format: { const: SNAPSHOT_FORMAT },
    version: { type: 'integer', minimum: 0 },
    origin: { type: 'string', minLength: 1, maxLength: 100 },
    exportedAt: { type: 'string' },
    units: { type: 'array', maxItems: 100_000, items: unitJsonSchema },
    targets: { type: 'array', maxItems: 1_000_000, items: targetJsonSchema }
  }
} as const

const check = new Ajv({ allErrors: true }).compile(snapshotJsonSchema)

/** Refuses a snapshot that is malformed or names parents and successors it does not hold (nor `known`). */
export function validateSnapshot (value: unknown, known: ReadonlySet<string>): CatalogueSnapshot {
  if (!check(value)) {
    const problems = (check.errors ?? []).slice(0, 20).map(e => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`)
    throw new AppError('VALIDATION', { problems })
  }
  const snapshot = value as unknown as CatalogueSnapshot
  const codes = new Set([...known, ...snapshot.units.map(u => u.code)])
  const problems: string[] = []
  const seen = new Set<string>()
  for (const u of snapshot.units) {
    if (seen.has(u.code)) problems.push(`unit ${u.code} appears twice`)
    seen.add(u.code)
    if (u.parent !== null && !codes.has(u.parent)) problems.push(`unit ${u.code}: parent ${u.parent} is unknown`)
    if (u.mergedInto && !codes.has(u.mergedInto.code)) problems.push(`unit ${u.code}: successor ${u.mergedInto.code} is unknown`)
  }
  for (const t of snapshot.targets) if (!codes.has(t.unit)) problems.push(`target ${t.unit}/${t.year}: unit is unknown`)
  if (problems.length > 0) throw new AppError('VALIDATION', { problems: problems.slice(0, 20) })
  return snapshot
}
