/**
 * The catalogue of units (province, districts, communes) a node files records under, keyed by statistics code.
 * A new node is seeded from the shipped catalogue (`appliance/data/units.json`: Gia Lai and its 17 district-level
 * units of 2020); an admin adds more. Later issues grow this into the full catalogue with merges and targets.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../errors/index.js'
import { SHIPPED_DATA } from '../paths.js'
import type { Store, Unit, UnitLevel } from '../store/index.js'

const SHIPPED = join(SHIPPED_DATA, 'units.json')
const CODE = /^[0-9A-Za-z.]{1,35}$/
const LEVELS: readonly UnitLevel[] = ['province', 'district', 'commune']

export interface NewUnit {
  code: string
  name: string
  level: UnitLevel
  parent?: string | null
  agencyCode?: string | null
}

export class Units {
  constructor (private readonly store: Store) {}

  /** Loads the shipped catalogue once, on a node that has no unit yet. */
  async seed (): Promise<number> {
    for await (const _ of this.store.listUnits()) return 0
    const shipped = JSON.parse(await readFile(SHIPPED, 'utf8')) as { units: NewUnit[] }
    const tx = this.store.tx()
    const now = new Date().toISOString()
    for (const u of shipped.units) tx.putUnit({ code: u.code, name: u.name, level: u.level, parent: u.parent ?? null, agencyCode: u.agencyCode ?? null, createdAt: now })
    await tx.commit()
    return shipped.units.length
  }

  async list (): Promise<Unit[]> {
    const out: Unit[] = []
    for await (const u of this.store.listUnits()) out.push(u)
    return out
  }

  async get (code: string): Promise<Unit> {
    const unit = await this.store.getUnit(code)
    if (!unit) throw new AppError('UNKNOWN_UNIT', { unit: code })
    return unit
  }

  async add (input: NewUnit): Promise<Unit> {
    if (!CODE.test(input.code)) throw new AppError('VALIDATION', { code: 'expected up to 35 characters 0-9, A-Z or dots' })
    if (!input.name?.trim()) throw new AppError('VALIDATION', { name: 'required' })
    if (!LEVELS.includes(input.level)) throw new AppError('VALIDATION', { level: `one of ${LEVELS.join(', ')}` })
    return await this.store.lock(`unit:${input.code}`, async () => {
      if (await this.store.getUnit(input.code)) throw new AppError('UNIT_EXISTS', { unit: input.code })
      if (input.parent) await this.get(input.parent)
      const unit: Unit = {
        code: input.code,
        name: input.name.trim().normalize('NFC'),
        level: input.level,
        parent: input.parent ?? null,
        agencyCode: input.agencyCode ?? null,
        createdAt: new Date().toISOString()
      }
      await this.store.tx().putUnit(unit).commit()
      return unit
    })
  }
}
