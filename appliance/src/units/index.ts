/**
 * The catalogue of units (province → district → commune) a node files records under, keyed by statistics code,
 * and the plan's page targets per unit and year. Codes and figures are data: a new node is seeded from
 * `appliance/data/units.json` (Gia Lai and its 17 district-level units of 2020) and `targets.json` (the plan).
 *
 * An archive outlives administrative reforms, so nothing here is rewritten: a renamed unit keeps its former names
 * (`nameAt` gives the name a record was issued under), and a merged unit stays in the catalogue with its successor
 * (`unitsCovering` gives a successor with all its predecessors, for reports and search).
 *
 * The province is the authority of the shared catalogue. Its versions are its own sequence (every change adds one),
 * never a clock: clocks of two machines say nothing about which change came last. It sends the catalogue down by
 * replication (`catalogueSnapshot()` there, `applyCatalogue(snapshot)` here); a district remembers which province
 * version it applied and takes only a later one (idempotent). A change made at a district is a local override: it
 * stays in force over what the province sends, shown as such beside the province's copy, until an admin drops it.
 */
import { randomUUID } from 'node:crypto'
import { AppError } from '../errors/index.js'
import type { CatalogueApplied, Store, Target, Tx, Unit, UnitLevel } from '../store/index.js'
import { allNames, canContain, covering, inMergeCycle, nameAt, predecessors, subtree, successors, type Catalogue } from './history.js'
import { readShippedTargets, readShippedUnits, targetsFromPlan } from './seed.js'
import { AGENCY_CODE, DAY, SNAPSHOT_FORMAT, UNIT_CODE, validateSnapshot, type CatalogueSnapshot } from './snapshot.js'

export type { CatalogueSnapshot } from './snapshot.js'
export { SNAPSHOT_FORMAT, AGENCY_CODE, UNIT_CODE } from './snapshot.js'
export { allNames, covering, currentSuccessor, nameAt, predecessors, subtree, successors, type Catalogue } from './history.js'
export { readShippedTargets } from './seed.js'

const CODE = new RegExp(UNIT_CODE)
const AGENCY = new RegExp(AGENCY_CODE)
const DATE = new RegExp(DAY)
const LEVELS: readonly UnitLevel[] = ['province', 'district', 'commune']

export interface UnitsOptions {
  /**
   * True at the province: its changes are the catalogue. False at a district: its changes are local overrides and
   * it takes the province's catalogue when replication brings a later one.
   */
  authority: boolean
}

/** District: the province catalogue last applied, `{origin, version}`. */
type Applied = CatalogueApplied

export interface NewUnit {
  code: string
  name: string
  level: UnitLevel
  parent?: string | null
  agencyCode?: string | null
}

export interface UnitPatch {
  /** A new name; the old one is kept as a former name until `effective`. */
  name?: string
  /** The day the new name took effect (YYYY-MM-DD; default today). */
  effective?: string
  agencyCode?: string | null
  parent?: string | null
}

/** A unit with what the catalogue knows around it. */
export interface UnitView extends Unit {
  names: string[]
  /** Units merged into this one, transitively. */
  predecessors: string[]
  /** The units that took this one over, nearest first. */
  successors: string[]
}

export interface ApplyResult {
  applied: boolean
  /** The province version this node now has applied. */
  version: number
  units: number
  targets: number
  /** Units and targets whose local override was kept over the province's copy. */
  overridden?: number
}

const today = (): string => new Date().toISOString().slice(0, 10)

export class Units {
  /** The catalogue in memory; every write goes through this class and drops it (`changed`). */
  private cache: Map<string, Unit> | null = null
  /** Bumped by every write, so a read that overlapped a write does not keep what it read as the cache. */
  private generation = 0

  constructor (private readonly store: Store, private readonly opts: UnitsOptions = { authority: true }) {}

  /** Loads the shipped catalogue on a node that has no unit yet, and the plan's targets on one without targets. */
  async seed (): Promise<number> {
    return await this.store.lockCatalogue(async () => {
      let seeded = 0
      const tx = this.store.tx()
      const now = new Date().toISOString()
      let empty = true
      for await (const _ of this.store.listUnits()) { empty = false; break }
      if (empty) {
        const shipped = await readShippedUnits()
        for (const u of shipped.units) {
          tx.putUnit({ code: u.code, name: u.name, level: u.level, parent: u.parent ?? null, agencyCode: u.agencyCode ?? null, createdAt: now, ...(u.formerNames ? { formerNames: u.formerNames } : {}), ...(u.mergedInto ? { mergedInto: u.mergedInto } : {}) })
        }
        tx.putMeta('catalogueVersion', shipped.version)
        seeded = shipped.units.length
      }
      let noTargets = true
      for await (const _ of this.store.listTargets()) { noTargets = false; break }
      if (noTargets) {
        const known = empty ? new Set((await readShippedUnits()).units.map(u => u.code)) : new Set((await this.catalogue()).keys())
        for (const target of targetsFromPlan(await readShippedTargets(), known, now)) tx.putTarget(target)
      }
      await tx.commit()
      this.changed()
      return seeded
    })
  }

  /** The catalogue in memory (read-only): for callers that walk it many times per request. */
  async catalogue (): Promise<Catalogue> {
    if (this.cache) return this.cache
    const generation = this.generation
    const map = new Map<string, Unit>()
    for await (const u of this.store.listUnits()) map.set(u.code, u)
    if (generation === this.generation) this.cache = map
    return map
  }

  async list (): Promise<Unit[]> {
    return [...(await this.catalogue()).values()]
  }

  async find (code: string): Promise<Unit | undefined> {
    return (await this.catalogue()).get(code)
  }

  async get (code: string): Promise<Unit> {
    const unit = await this.find(code)
    if (!unit) throw new AppError('UNKNOWN_UNIT', { unit: code })
    return unit
  }

  async view (code: string): Promise<UnitView> {
    const units = await this.catalogue()
    const unit = await this.get(code)
    return { ...unit, names: allNames(unit), predecessors: predecessors(units, code), successors: successors(units, code) }
  }

  /** The unit plus all its predecessors, transitively (the unit first): reports and search by a successor use it. */
  async unitsCovering (code: string): Promise<string[]> {
    await this.get(code)
    return covering(await this.catalogue(), code)
  }

  /** The unit, every unit under it and everything merged into any of them. */
  async unitsUnder (code: string): Promise<string[]> {
    await this.get(code)
    return subtree(await this.catalogue(), code)
  }

  /** The unit's name on `date`: a record keeps showing its issuer as it was named when it was issued. */
  async nameAt (code: string, date: string): Promise<string> {
    return nameAt(await this.get(code), date)
  }

  /** This node's own change counter (at the province: the catalogue's version). */
  async version (): Promise<number> {
    return await this.store.getMeta('catalogueVersion') ?? 0
  }

  /** District: the province version last applied (0 before any); what replication reports to the province. */
  async appliedVersion (): Promise<number> {
    return (await this.applied()).version
  }

  private async applied (): Promise<Applied> {
    return await this.store.getMeta('catalogueApplied') ?? { origin: null, version: 0 }
  }

  private async origin (): Promise<string> {
    // Which catalogue this node's counter numbers (made once), so a district tells a rebuilt province from a stale one.
    const known = await this.store.getMeta('catalogueOrigin')
    if (known !== undefined) return known
    const origin = randomUUID()
    await this.store.tx().putMeta('catalogueOrigin', origin).commit()
    return origin
  }

  /**
   * District: gives a locally changed unit back to the province's catalogue (its latest copy, keeping the local
   * names as former names). A unit only this node has cannot be given back.
   */
  async dropOverride (code: string): Promise<Unit> {
    return await this.store.lockCatalogue(async () => {
      const unit = (await this.catalogue()).get(code)
      if (!unit) throw new AppError('UNKNOWN_UNIT', { unit: code })
      if (!unit.override) return unit
      if (unit.override.province === null) throw new AppError('VALIDATION', { unit: 'this node added the unit itself: there is no province copy to go back to' })
      const back = keepNames(unit, unit.override.province, new Date().toISOString())
      const tx = this.store.tx().putUnit(back)
      for await (const target of this.store.listTargets()) {
        if (target.unit === code && target.override?.province) tx.putTarget(target.override.province)
      }
      await tx.commit()
      this.changed()
      return back
    })
  }

  async add (input: NewUnit): Promise<Unit> {
    if (!CODE.test(input.code)) throw new AppError('VALIDATION', { code: 'expected up to 35 characters 0-9, A-Z or dots' })
    const name = cleanName(input.name)
    if (!LEVELS.includes(input.level)) throw new AppError('VALIDATION', { level: `one of ${LEVELS.join(', ')}` })
    checkAgencyCode(input.agencyCode)
    return await this.write(async (units, tx) => {
      if (units.has(input.code)) throw new AppError('UNIT_EXISTS', { unit: input.code })
      const parent = input.parent ?? null
      if (parent !== null) checkParent(units, input.code, input.level, parent)
      const now = new Date().toISOString()
      const unit: Unit = { code: input.code, name, level: input.level, parent, agencyCode: input.agencyCode ?? null, createdAt: now, updatedAt: now }
      tx.putUnit(unit)
      return unit
    })
  }

  /** Renames (keeping the old name), sets the agency code, or moves the unit under another parent. */
  async update (code: string, patch: UnitPatch): Promise<Unit> {
    if (patch.agencyCode !== undefined) checkAgencyCode(patch.agencyCode)
    const effective = patch.effective ?? today()
    if (!DATE.test(effective)) throw new AppError('VALIDATION', { effective: 'expected YYYY-MM-DD' })
    return await this.write(async (units, tx) => {
      const unit = units.get(code)
      if (!unit) throw new AppError('UNKNOWN_UNIT', { unit: code })
      const next: Unit = { ...unit, updatedAt: new Date().toISOString() }
      if (patch.name !== undefined) {
        const name = cleanName(patch.name)
        if (name !== unit.name) {
          const former = unit.formerNames ?? []
          const last = former[former.length - 1]
          if (last && effective < last.until) throw new AppError('VALIDATION', { effective: `must not be before ${last.until}, when the previous name ended` })
          next.formerNames = [...former, { name: unit.name, until: effective }]
          next.name = name
        }
      }
      if (patch.agencyCode !== undefined) next.agencyCode = patch.agencyCode
      if (patch.parent !== undefined) {
        if (patch.parent !== null) checkParent(units, code, unit.level, patch.parent)
        next.parent = patch.parent
      }
      tx.putUnit(next)
      return next
    })
  }

  /**
   * Merges `code` into `into` from `effective` (administrative reform). The merged unit stays, with its names and
   * records; reports and search by the successor include it. Merging again into the same unit on the same day is a
   * no-op; a unit already merged elsewhere is refused.
   */
  async merge (code: string, opts: { into: string, effective: string }): Promise<Unit> {
    if (!DATE.test(opts.effective)) throw new AppError('VALIDATION', { effective: 'expected YYYY-MM-DD' })
    return await this.write(async (units, tx) => {
      const unit = units.get(code)
      if (!unit) throw new AppError('UNKNOWN_UNIT', { unit: code })
      if (!units.has(opts.into)) throw new AppError('UNKNOWN_UNIT', { unit: opts.into })
      if (unit.mergedInto) {
        if (unit.mergedInto.code === opts.into && unit.mergedInto.effective === opts.effective) return unit
        throw new AppError('UNIT_MERGED', { unit: code, mergedInto: unit.mergedInto.code })
      }
      if (opts.into === code || successors(units, opts.into).includes(code)) throw new AppError('VALIDATION', { into: 'a unit cannot be merged into itself or into a unit merged into it' })
      const merged: Unit = { ...unit, mergedInto: { code: opts.into, effective: opts.effective }, updatedAt: new Date().toISOString() }
      tx.putUnit(merged)
      return merged
    })
  }

  async listTargets (filter: { year?: number, unit?: string } = {}): Promise<Target[]> {
    const out: Target[] = []
    for await (const t of this.store.listTargets()) {
      if (filter.year !== undefined && t.year !== filter.year) continue
      if (filter.unit !== undefined && t.unit !== filter.unit) continue
      out.push(t)
    }
    return out
  }

  /** Sets a unit's own target for a year (no longer an estimated share of the plan). */
  async setTarget (unit: string, year: number, pages: number, source: string | null = null): Promise<Target> {
    if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new AppError('VALIDATION', { year: 'expected a year between 2000 and 2100' })
    if (!Number.isInteger(pages) || pages < 0) throw new AppError('VALIDATION', { pages: 'expected a whole number of pages, 0 or more' })
    return await this.write(async (units, tx) => {
      if (!units.has(unit)) throw new AppError('UNKNOWN_UNIT', { unit })
      const target: Target = { unit, year, pages, estimated: false, source, updatedAt: new Date().toISOString() }
      tx.putTarget(target)
      return target
    })
  }

  /** The whole catalogue and its targets, for replication down to the districts (or `sohoa unit export`). */
  async catalogueSnapshot (): Promise<CatalogueSnapshot> {
    return {
      format: SNAPSHOT_FORMAT,
      version: await this.version(),
      origin: await this.origin(),
      exportedAt: new Date().toISOString(),
      units: (await this.list()).map(withoutOverride),
      targets: (await this.listTargets()).map(withoutOverride)
    }
  }

  /**
   * Takes a catalogue sent by the province when it is later than the one applied here: a higher version of the same
   * catalogue, or any version of another one (a province rebuilt from scratch numbers from 1 again). Else nothing
   * changes, so applying twice is harmless. Units and targets are upserted, never deleted: records may name a unit
   * the sender no longer lists. A unit keeps every name it had here, even one the sender never knew. A unit or
   * target changed here keeps its local values; the province's copy is kept beside it.
   */
  async applyCatalogue (input: unknown): Promise<ApplyResult> {
    return await this.store.lockCatalogue(async () => {
      const units = await this.catalogue()
      const snapshot = validateSnapshot(input, new Set(units.keys()))
      const applied = await this.applied()
      const origin = snapshot.origin ?? null
      const later = origin !== applied.origin || snapshot.version > applied.version
      if (!later) return { applied: false, version: applied.version, units: 0, targets: 0 }
      const next = new Map(units)
      const tx = this.store.tx()
      const now = new Date().toISOString()
      let overridden = 0
      for (const sent of snapshot.units) {
        const incoming = withoutOverride({ ...sent, name: sent.name.normalize('NFC') })
        const local = units.get(incoming.code)
        const unit = local?.override ? { ...local, override: { since: local.override.since, province: incoming } } : keepNames(local, incoming, now)
        if (local?.override) overridden++
        next.set(unit.code, unit)
        tx.putUnit(unit)
      }
      for (const u of next.values()) {
        if (inMergeCycle(next, u.code)) throw new AppError('VALIDATION', { problems: [`unit ${u.code}: merges form a cycle`] })
      }
      const localTargets = new Map<string, Target>()
      for await (const target of this.store.listTargets()) if (target.override) localTargets.set(`${target.unit}!${target.year}`, target)
      for (const sent of snapshot.targets) {
        const incoming = withoutOverride(sent)
        const local = localTargets.get(`${incoming.unit}!${incoming.year}`)
        if (local?.override) overridden++
        tx.putTarget(local?.override ? { ...local, override: { since: local.override.since, province: incoming } } : incoming)
      }
      tx.putMeta('catalogueApplied', { origin, version: snapshot.version } satisfies Applied)
      await tx.commit()
      this.changed()
      return { applied: true, version: snapshot.version, units: snapshot.units.length, targets: snapshot.targets.length, overridden }
    })
  }

  private changed (): void {
    this.generation++
    this.cache = null
  }

  /**
   * One catalogue change: checked against the current catalogue, committed with the next version, cache dropped.
   * At a district, what it writes is marked as a local override (`fn` returns what it put, so it can be marked).
   */
  private async write<T extends Unit | Target> (fn: (units: Catalogue, tx: Tx) => Promise<T>): Promise<T> {
    return await this.store.lockCatalogue(async () => {
      const tx = this.store.tx()
      const units = await this.catalogue()
      let result = await fn(units, tx)
      if (tx.size === 0) return result
      if (!this.opts.authority) {
        result = await this.markOverride(units, result)
        if ('code' in result) tx.putUnit(result); else tx.putTarget(result)
      }
      tx.putMeta('catalogueVersion', await this.version() + 1)
      await tx.commit()
      this.changed()
      return result
    })
  }

  /** The entry as a local override, remembering the province's copy it replaces (null when there was none). */
  private async markOverride<T extends Unit | Target> (units: Catalogue, entry: T): Promise<T> {
    const since = new Date().toISOString()
    if ('code' in entry) {
      const before = units.get(entry.code)
      const province = before === undefined ? null : before.override ? before.override.province : withoutOverride(before)
      return { ...entry, override: { since, province } }
    }
    let before: Target | undefined
    for await (const t of this.store.listTargets()) if (t.unit === entry.unit && t.year === entry.year) before = t
    const province = before === undefined ? null : before.override ? before.override.province : withoutOverride(before)
    return { ...entry, override: { since, province } }
  }
}

function withoutOverride<T extends { override?: unknown }> (entry: T): T {
  if (entry.override === undefined) return entry
  const { override: _, ...rest } = entry
  return rest as T
}

function cleanName (name: string | undefined): string {
  const clean = name?.trim().normalize('NFC') ?? ''
  if (clean.length === 0 || clean.length > 200) throw new AppError('VALIDATION', { name: 'required, up to 200 characters' })
  return clean
}

function checkAgencyCode (code: string | null | undefined): void {
  if (code !== undefined && code !== null && !AGENCY.test(code)) throw new AppError('VALIDATION', { agencyCode: 'expected the padded QĐ 20/2020 form, e.g. 000.00.00.H21' })
}

function checkParent (units: Catalogue, code: string, level: UnitLevel, parentCode: string): void {
  const parent = units.get(parentCode)
  if (!parent) throw new AppError('UNKNOWN_UNIT', { unit: parentCode })
  if (parentCode === code || !canContain(parent.level, level)) throw new AppError('VALIDATION', { parent: `a ${level} cannot sit under a ${parent.level}` })
}

/** The incoming unit, with every name the local entry had that the incoming one lacks kept as a former name. */
function keepNames (local: Unit | undefined, incoming: Unit, now: string): Unit {
  if (!local) return incoming
  const known = new Set(allNames(incoming))
  const lost = (local.formerNames ?? []).filter(f => !known.has(f.name))
  if (!known.has(local.name)) lost.push({ name: local.name, until: now.slice(0, 10) })
  if (lost.length === 0) return incoming
  const formerNames = [...(incoming.formerNames ?? []), ...lost].sort((a, b) => a.until.localeCompare(b.until))
  return { ...incoming, formerNames }
}
