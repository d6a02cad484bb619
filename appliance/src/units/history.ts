/**
 * What a catalogue knows of time: the names a unit had, and the merges of administrative reforms. Pure functions
 * over the catalogue in memory (a few hundred units), so search and reports can call them per request.
 */
import type { Unit, UnitLevel } from '../store/index.js'

export type Catalogue = ReadonlyMap<string, Unit>

const RANK: Record<UnitLevel, number> = { province: 0, district: 1, commune: 2 }

/** True when a unit of `parent` level may hold one of `child` level (communes sit under the province since 2025). */
export function canContain (parent: UnitLevel, child: UnitLevel): boolean {
  return RANK[parent] < RANK[child]
}

/** The name the unit had on `date` (YYYY-MM-DD or an ISO time): a record shows its issuer as it was named then. */
export function nameAt (unit: Unit, date: string): string {
  const day = date.slice(0, 10)
  for (const former of unit.formerNames ?? []) if (day < former.until) return former.name
  return unit.name
}

/** Every name the unit ever had, oldest first, the current one last. */
export function allNames (unit: Unit): string[] {
  return [...(unit.formerNames ?? []).map(f => f.name), unit.name]
}

/** The units merged into `code`, directly or through earlier merges, without `code` itself. */
export function predecessors (units: Catalogue, code: string): string[] {
  const direct = new Map<string, string[]>()
  for (const u of units.values()) {
    if (!u.mergedInto) continue
    const list = direct.get(u.mergedInto.code) ?? []
    list.push(u.code)
    direct.set(u.mergedInto.code, list)
  }
  const out: string[] = []
  const seen = new Set([code])
  const queue = [code]
  while (queue.length > 0) {
    for (const p of direct.get(queue.shift()!) ?? []) {
      if (seen.has(p)) continue
      seen.add(p)
      out.push(p)
      queue.push(p)
    }
  }
  return out
}

/** The unit plus all its predecessors, transitively: what a report or a search by the successor must include. */
export function covering (units: Catalogue, code: string): string[] {
  return [code, ...predecessors(units, code)]
}

/** The units that took `code` over, nearest first (empty when it was never merged). */
export function successors (units: Catalogue, code: string): string[] {
  const out: string[] = []
  let next = units.get(code)?.mergedInto?.code
  while (next !== undefined && !out.includes(next) && next !== code) {
    out.push(next)
    next = units.get(next)?.mergedInto?.code
  }
  return out
}

/** True when following merges from `code` comes back to a unit already passed (a catalogue must never hold one). */
export function inMergeCycle (units: Catalogue, code: string): boolean {
  const seen = new Set<string>()
  let next: string | undefined = code
  while (next !== undefined) {
    if (seen.has(next)) return true
    seen.add(next)
    next = units.get(next)?.mergedInto?.code
  }
  return false
}

/** The unit that holds `code`'s records today: the end of its chain of merges (itself when never merged). */
export function currentSuccessor (units: Catalogue, code: string): string {
  const chain = successors(units, code)
  return chain.length > 0 ? chain[chain.length - 1] : code
}

/** `code`, the units under it (by parent, at any depth) and everything merged into any of them. */
export function subtree (units: Catalogue, code: string): string[] {
  const children = new Map<string, string[]>()
  for (const u of units.values()) {
    if (u.parent === null) continue
    const list = children.get(u.parent) ?? []
    list.push(u.code)
    children.set(u.parent, list)
  }
  const seen = new Set<string>()
  const queue = [code]
  while (queue.length > 0) {
    const c = queue.shift()!
    if (seen.has(c)) continue
    seen.add(c)
    for (const k of children.get(c) ?? []) queue.push(k)
    for (const p of predecessors(units, c)) queue.push(p)
  }
  return [...seen]
}
