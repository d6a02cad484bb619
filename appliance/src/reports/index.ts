/**
 * Progress reports of the digitization plan, per unit and rolled up by level: pages received, recognized and
 * archived against the plan's targets and the inventory's counts, the cost at the plan's unit price, the rate over
 * the last 30 days and the day the target would be reached at that rate. Merged units roll into their successors.
 * The same report renders as JSON (the API), XLSX (the yearly report to the Department), CSV and a text table.
 *
 * Computed from the store on each call: one scan of the pages and one of the records (see docs/benchmarks.md for the time on
 * 100,000 pages); the catalogue, targets and inventory are small.
 */
import type { Inventory } from '../inventory/index.js'
import type { Store, UnitLevel } from '../store/index.js'
import { predecessors, subtree, type Units } from '../units/index.js'
import { addCounts, emptyCounts, figures, LEVELS, Tally, type Counts, type Figures } from './progress.js'

export type { Figures } from './progress.js'
export { progressXlsx } from './xlsx.js'
export { progressCsv } from './csv.js'
export { progressTable } from './table.js'

/** The plan's price per page (Thông tư 04/2014/TT-BNV, Phụ lục I), in đồng. */
export const DEFAULT_UNIT_PRICE_VND = 3779

export interface ProgressOptions {
  /** A Vietnamese calendar year: pages received, records archived and targets of that year. Default: all years. */
  year?: number
  /** A unit: it, the units under it, and their predecessors. Default: the whole catalogue. */
  unit?: string
  /** The clock (tests). */
  now?: Date
}

export interface ProgressRow extends Figures {
  code: string
  name: string
  level: UnitLevel
  parent: string | null
  /** The successor, when this unit was merged; its figures are also in the successor's row. */
  mergedInto: string | null
  /** Predecessors whose figures this row includes. */
  includes: string[]
  /** True for the rows that add up to the totals (those not merged into another row of the report). */
  inTotal: boolean
}

export interface LevelRow extends Figures {
  level: UnitLevel
  units: number
}

export interface ProgressReport {
  year: number | null
  unit: string | null
  generatedAt: string
  unitPriceVnd: number
  rows: ProgressRow[]
  byLevel: LevelRow[]
  totals: Figures
}

/** A record archived on another node (a district's, read from its replica on the province node). */
export interface ArchivedElsewhere {
  unit: string
  pages: number
  /** ISO time (UTC) of archiving. */
  archivedAt: string
}

export interface ReportDeps {
  store: Store
  units: Units
  inventory: Inventory
  unitPriceVnd: number
  /** On the province node: the districts' archived records from their replicas, added to the archived pages. */
  archivedElsewhere?: () => AsyncIterable<ArchivedElsewhere>
}

export class Reports {
  constructor (private readonly deps: ReportDeps) {}

  async progress (opts: ProgressOptions = {}): Promise<ProgressReport> {
    const { store, units, inventory, unitPriceVnd } = this.deps
    const now = opts.now ?? new Date()
    const catalogue = await units.catalogue()
    if (opts.unit !== undefined) await units.get(opts.unit)
    const scopeCodes = opts.unit !== undefined ? subtree(catalogue, opts.unit) : [...catalogue.keys()]
    const scope = new Set(scopeCodes)
    const year = opts.year ?? null
    const tally = new Tally(scope, year, year, now)

    await store.scanPages(pages => { for (const page of pages) tally.page(page) })
    await store.scanRecords(records => { for (const record of records) tally.record(record) })
    if (this.deps.archivedElsewhere) for await (const a of this.deps.archivedElsewhere()) tally.archived(a.unit, a.pages, a.archivedAt)
    for await (const target of store.listTargets()) tally.target(target)
    for (const s of await inventory.summary({ units: scopeCodes })) tally.inventory(s.unit, s.countedPages, s.archivedPages)

    const rank = (level: UnitLevel): number => LEVELS.indexOf(level)
    const rows: ProgressRow[] = scopeCodes
      .map(code => catalogue.get(code)!)
      .sort((a, b) => rank(a.level) - rank(b.level) || a.code.localeCompare(b.code, 'en', { numeric: true }))
      .map(u => {
        return {
          code: u.code,
          name: u.name,
          level: u.level,
          parent: u.parent,
          mergedInto: u.mergedInto?.code ?? null,
          includes: predecessors(catalogue, u.code),
          inTotal: u.mergedInto === undefined || !scope.has(u.mergedInto.code),
          ...figures(tally.covering(catalogue, u.code), unitPriceVnd, now)
        }
      })

    const total = emptyCounts()
    const perLevel = new Map<UnitLevel, { counts: Counts, units: number }>(LEVELS.map(l => [l, { counts: emptyCounts(), units: 0 }]))
    for (const code of scopeCodes) {
      const own = tally.own.get(code) ?? emptyCounts()
      const level = perLevel.get(catalogue.get(code)!.level)!
      level.units++
      addCounts(level.counts, own)
      addCounts(total, own)
    }
    return {
      year,
      unit: opts.unit ?? null,
      generatedAt: now.toISOString(),
      unitPriceVnd,
      rows,
      byLevel: LEVELS.filter(l => perLevel.get(l)!.units > 0).map(l => ({ level: l, units: perLevel.get(l)!.units, ...figures(perLevel.get(l)!.counts, unitPriceVnd, now) })),
      totals: figures(total, unitPriceVnd, now)
    }
  }
}
