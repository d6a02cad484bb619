/**
 * The shipped catalogue (`appliance/data/units.json`) and the plan's targets (`appliance/data/targets.json`), read
 * once when a node starts without them. Codes and figures are data: a province edits these files, not the code.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SHIPPED_DATA } from '../paths.js'
import type { Target, UnitLevel } from '../store/index.js'

export interface ShippedUnit {
  code: string
  name: string
  level: UnitLevel
  parent?: string | null
  agencyCode?: string | null
  formerNames?: Array<{ name: string, until: string }>
  mergedInto?: { code: string, effective: string }
}

export interface ShippedUnits {
  source: string
  /** The catalogue version this file is (small: any change an admin makes later is newer). */
  version: number
  units: ShippedUnit[]
}

/** A figure of the plan: pages for a group of units in a year. */
export interface PlanGroup {
  year: number
  levels: UnitLevel[]
  units: string[]
  pages: number
}

export interface ShippedTargets {
  source: string
  note: string
  unitPriceVndPerPage: number
  groups: PlanGroup[]
}

export async function readShippedUnits (dir = SHIPPED_DATA): Promise<ShippedUnits> {
  return JSON.parse(await readFile(join(dir, 'units.json'), 'utf8')) as ShippedUnits
}

export async function readShippedTargets (dir = SHIPPED_DATA): Promise<ShippedTargets> {
  return JSON.parse(await readFile(join(dir, 'targets.json'), 'utf8')) as ShippedTargets
}

/**
 * Per-unit targets from the plan's groups. The plan gives one total for several units; until the province sets a
 * unit's own figure, each unit gets an even share (the remainder to the first units listed) marked `estimated`, so
 * the shares add up to the plan's total exactly.
 */
export function targetsFromPlan (plan: ShippedTargets, known: ReadonlySet<string>, now: string): Target[] {
  const out: Target[] = []
  for (const group of plan.groups) {
    const units = group.units.filter(u => known.has(u))
    if (units.length === 0) continue
    const share = Math.floor(group.pages / units.length)
    const remainder = group.pages - share * units.length
    units.forEach((unit, i) => {
      out.push({ unit, year: group.year, pages: share + (i < remainder ? 1 : 0), estimated: units.length > 1, source: plan.source, updatedAt: now })
    })
  }
  return out
}
