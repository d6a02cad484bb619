/**
 * Shared set-up of the catalogue, inventory and report tests: a real store in a temp dir seeded with the shipped
 * catalogue and the plan's targets, the real Units, Inventory and Reports, and an HTTP app with the real auth hook,
 * error handler and the unit, inventory, report and OpenAPI routes, with real tokens of each scope. Synthetic records
 * and pages are written through the store's own transactions.
 */
import cookie from '@fastify/cookie'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { authPlugin } from '../../appliance/src/api/auth.js'
import { installErrorHandler } from '../../appliance/src/api/errors.js'
import inventoryRoutes from '../../appliance/src/api/routes/inventory.js'
import openapiRoutes from '../../appliance/src/api/routes/openapi.js'
import reportRoutes from '../../appliance/src/api/routes/reports.js'
import unitRoutes from '../../appliance/src/api/routes/units.js'
import type { Services } from '../../appliance/src/api/index.js'
import { Auth } from '../../appliance/src/auth/index.js'
import { DEFAULTS } from '../../appliance/src/config/index.js'
import { Inventory } from '../../appliance/src/inventory/index.js'
import { createLogger } from '../../appliance/src/log/index.js'
import { Reports } from '../../appliance/src/reports/index.js'
import { newId, Store, type Page, type RecordCodes, type RecordEntry, type RecordStatus, type Stage, type Tx } from '../../appliance/src/store/index.js'
import { Units } from '../../appliance/src/units/index.js'
import { tempDir } from '../helpers/tmp.js'

export const logger = createLogger('silent')

export interface Harness {
  dir: string
  store: Store
  units: Units
  inventory: Inventory
  reports: Reports
  app: FastifyInstance
  tokens: { admin: string, read: string, ingest: string }
  /** An inject with a bearer token of that scope. */
  call: (scope: 'admin' | 'read' | 'ingest', method: string, url: string, payload?: unknown) => Promise<{ status: number, json: any, body: string, raw: Buffer, headers: Record<string, any> }>
}

export async function openHarness (t: Test, opts: { unitPriceVnd?: number, dir?: string, role?: 'province' | 'district' } = {}): Promise<Harness> {
  const dir = opts.dir ?? await tempDir(t, 'sohoa-units-')
  const store = await Store.open(dir)
  const units = new Units(store, { authority: (opts.role ?? 'province') === 'province' })
  await units.seed()
  const inventory = new Inventory(store, units)
  const config = { ...DEFAULTS, dataDir: dir, unitPriceVnd: opts.unitPriceVnd ?? DEFAULTS.unitPriceVnd }
  const auth = new Auth(store, { sessionIdleMinutes: 30 })
  const reports = new Reports({ store, units, inventory, unitPriceVnd: config.unitPriceVnd })
  // The routes under test use these services only; the rest of a node's services are not built here.
  const services = { version: 'test', config, auth, units, inventory, reports } as unknown as Services
  const app = Fastify({ loggerInstance: logger as any, ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false } } })
  installErrorHandler(app)
  await app.register(cookie)
  await app.register(authPlugin, { services, local: false })
  await app.register(openapiRoutes, { services })
  await app.register(unitRoutes, { services })
  await app.register(inventoryRoutes, { services })
  await app.register(reportRoutes, { services })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await store.close()
  })
  const token = async (scope: 'admin' | 'read' | 'ingest'): Promise<string> => (await auth.createToken({ name: `test ${scope}`, scope, createdBy: 'test' })).secret
  const tokens = { admin: await token('admin'), read: await token('read'), ingest: await token('ingest') }
  const call: Harness['call'] = async (scope, method, url, payload) => {
    const res = await app.inject({ method: method as any, url, headers: { authorization: `Bearer ${tokens[scope]}` }, ...(payload !== undefined ? { payload: payload as any } : {}) })
    let json: any = null
    try { json = JSON.parse(res.body) } catch {}
    return { status: res.statusCode, json, body: res.body, raw: res.rawPayload, headers: res.headers }
  }
  return { dir, store, units, inventory, reports, app, tokens, call }
}

export interface SyntheticRecord {
  unit: string
  pages: number
  status?: RecordStatus
  /** When the pages arrived (and the record was made). */
  createdAt: string
  archivedAt?: string
  stage?: Stage
  codes?: Partial<RecordCodes>
}

/** Writes a record and its pages as intake and the pipeline would leave them (no page files: reports never read them). */
export function putSynthetic (tx: Tx, r: SyntheticRecord): RecordEntry {
  const recordId = newId('r')
  const batchId = newId('b')
  const pageIds: string[] = []
  for (let i = 0; i < r.pages; i++) {
    const page: Page = {
      id: newId('p'), recordId, batchId, unit: r.unit, index: i, sha256: `${recordId}-${i}`.padEnd(64, '0'), size: 1000, mime: 'image/jpeg',
      width: 2480, height: 3508, dpi: 300, stage: r.stage ?? (r.status === 'archived' || r.status === 'approved' ? 'indexed' : 'received'),
      ocrRuns: 0, createdAt: r.createdAt, updatedAt: r.createdAt
    }
    pageIds.push(page.id)
    tx.putPage(page)
  }
  const record: RecordEntry = {
    id: recordId, unit: r.unit, batchId, filename: null, sourceSha256: ''.padEnd(64, '0'), pageIds, status: r.status ?? 'draft',
    createdAt: r.createdAt, updatedAt: r.archivedAt ?? r.createdAt,
    ...(r.archivedAt ? { archivedAt: r.archivedAt } : {}),
    ...(r.codes ? { codes: { agencyCode: null, dossierCode: null, resultTypeCode: null, procedureCode: null, ...r.codes } } : {})
  }
  tx.putRecord(record)
  return record
}

export async function putRecords (store: Store, records: SyntheticRecord[]): Promise<RecordEntry[]> {
  const tx = store.tx()
  const out = records.map(r => putSynthetic(tx, r))
  await tx.commit()
  return out
}
