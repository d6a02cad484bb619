/**
 * The progress report's arithmetic: one pass over the pages and one over the records gives each unit's own
 * figures; a unit's row then adds its predecessors' (merged units roll into their successors), levels and the total
 * add own figures, so nothing is counted twice. Years are Vietnamese calendar years (UTC+7, no daylight saving).
 */
import type { Catalogue } from '../units/index.js'
import { covering } from '../units/index.js'
import type { Page, RecordEntry, Target, UnitLevel } from '../store/index.js'

export const LEVELS: readonly UnitLevel[] = ['province', 'district', 'commune']
const VN_OFFSET_MS = 7 * 3600_000
const DAY_MS = 86_400_000
export const RATE_DAYS = 30

/** Counts of one unit, before derived figures. */
export interface Counts {
  received: number
  recognized: number
  archived: number
  target: number
  /** True when some part of the target is an estimated share of a plan group. */
  targetEstimated: boolean
  hasTarget: boolean
  counted: number
  countedArchived: number
  received30: number
  archived30: number
}

export interface Figures {
  /** Pages received (in the year, when one is asked for). */
  received: number
  /** Of those, pages whose recognition finished (stage recognized or later). */
  recognized: number
  /** Pages of records archived (in the year). */
  archived: number
  /** Pages planned (for the year, or every year); null when no target is set. */
  target: number | null
  targetEstimated: boolean
  /** archived ÷ target, in percent (one decimal). */
  percent: number | null
  /** Pages counted in the inventory, and of those, pages archived in records filed under the counted files. */
  counted: number
  countedArchived: number
  percentOfCounted: number | null
  /** archived × unit price, in đồng. */
  costVnd: number
  /** Pages per day over the last 30 days. */
  rateReceived: number
  rateArchived: number
  /** The day (YYYY-MM-DD) the target would be reached at the archiving rate; null without target, rate, or when reached. */
  forecast: string | null
}

export const emptyCounts = (): Counts => ({ received: 0, recognized: 0, archived: 0, target: 0, targetEstimated: false, hasTarget: false, counted: 0, countedArchived: 0, received30: 0, archived30: 0 })

export function addCounts (into: Counts, c: Counts): void {
  into.received += c.received
  into.recognized += c.recognized
  into.archived += c.archived
  into.target += c.target
  into.targetEstimated ||= c.targetEstimated
  into.hasTarget ||= c.hasTarget
  into.counted += c.counted
  into.countedArchived += c.countedArchived
  into.received30 += c.received30
  into.archived30 += c.archived30
}

/** ISO instants (UTC, as stored) bounding a Vietnamese calendar year: compare them as strings, no parsing per entry. */
export function yearBounds (year: number): { from: string, to: string } {
  return { from: new Date(Date.UTC(year, 0, 1) - VN_OFFSET_MS).toISOString(), to: new Date(Date.UTC(year + 1, 0, 1) - VN_OFFSET_MS).toISOString() }
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits
const percent = (part: number, whole: number | null): number | null => whole !== null && whole > 0 ? round(part / whole * 100, 1) : null

export function figures (c: Counts, unitPriceVnd: number, now: Date): Figures {
  const target = c.hasTarget ? c.target : null
  const rateArchived = c.archived30 / RATE_DAYS
  let forecast: string | null = null
  if (target !== null && c.archived < target && rateArchived > 0) {
    const days = Math.ceil((target - c.archived) / rateArchived)
    forecast = new Date(now.getTime() + VN_OFFSET_MS + days * DAY_MS).toISOString().slice(0, 10)
  }
  return {
    received: c.received,
    recognized: c.recognized,
    archived: c.archived,
    target,
    targetEstimated: c.targetEstimated,
    percent: percent(c.archived, target),
    counted: c.counted,
    countedArchived: c.countedArchived,
    percentOfCounted: percent(c.countedArchived, c.counted),
    costVnd: c.archived * unitPriceVnd,
    rateReceived: round(c.received30 / RATE_DAYS, 2),
    rateArchived: round(rateArchived, 2),
    forecast
  }
}

/** Accumulates own counts per unit from streams of pages, records, targets and inventory totals. */
export class Tally {
  readonly own = new Map<string, Counts>()
  private readonly year: { from: string, to: string } | null
  private readonly since: string

  constructor (private readonly scope: ReadonlySet<string>, year: number | null, private readonly targetYear: number | null, now: Date) {
    this.year = year === null ? null : yearBounds(year)
    this.since = new Date(now.getTime() - RATE_DAYS * DAY_MS).toISOString()
  }

  private counts (unit: string): Counts | undefined {
    if (!this.scope.has(unit)) return undefined
    let c = this.own.get(unit)
    if (!c) this.own.set(unit, c = emptyCounts())
    return c
  }

  page (p: Page): void {
    const c = this.counts(p.unit)
    if (!c) return
    if (p.createdAt >= this.since) c.received30++
    if (this.year && (p.createdAt < this.year.from || p.createdAt >= this.year.to)) return
    c.received++
    if (p.stage === 'recognized' || p.stage === 'indexed') c.recognized++
  }

  record (r: RecordEntry): void {
    if (r.status !== 'archived' || r.deleted || (r.supersededBy?.length ?? 0) > 0) return
    this.archived(r.unit, r.pageIds.length, r.archivedAt ?? r.updatedAt)
  }

  /** Pages of a record archived at `at` (ISO, UTC): this node's records, or a district's from its replica. */
  archived (unit: string, pages: number, at: string): void {
    const c = this.counts(unit)
    if (!c) return
    if (at >= this.since) c.archived30 += pages
    if (this.year && (at < this.year.from || at >= this.year.to)) return
    c.archived += pages
  }

  target (t: Target): void {
    if (this.targetYear !== null && t.year !== this.targetYear) return
    const c = this.counts(t.unit)
    if (!c) return
    c.target += t.pages
    c.hasTarget = true
    c.targetEstimated ||= t.estimated
  }

  inventory (unit: string, counted: number, countedArchived: number): void {
    const c = this.counts(unit)
    if (!c) return
    c.counted += counted
    c.countedArchived += countedArchived
  }

  /** A unit's own counts plus its predecessors' (those in scope). */
  covering (units: Catalogue, code: string): Counts {
    const sum = emptyCounts()
    for (const u of covering(units, code)) {
      const c = this.own.get(u)
      if (c) addCounts(sum, c)
    }
    return sum
  }
}
