/**
 * Shared by the lookup and link tests: archived records made in a real data directory (the archive log fixture),
 * put into the search index by the same step the pipeline runs after a change (indexRecord), then the store closed so
 * a real appliance can start on that directory; plus tokens and sessions of the kinds the tests need.
 */
import { loadOrCreateNodeKey, type NodeKey } from '../../appliance/src/archive/log/index.js'
import { indexRecord } from '../../appliance/src/pipeline/steps.js'
import { Records } from '../../appliance/src/records/index.js'
import { createSearchService } from '../../appliance/src/search/index.js'
import type { RecordEntry, RecordParty } from '../../appliance/src/store/index.js'
import { createToken } from '../helpers/appliance.js'
import { archiveRecord, openArchive } from '../archive/log-fixture.js'

/** Made-up personal ID numbers of the right shape (Gia Lai 064, Bình Định 052). */
export const PERSON = '064190001234'
export const OTHER_PERSON = '052301000999'

export interface SeededRecord {
  record: RecordEntry
  /** The signed PDF's bytes as stored. */
  pdf: Buffer
}

export interface SeededArchive {
  key: NodeKey
  records: Record<string, SeededRecord>
}

/** `name → fields` archived in this order (unit 622), indexed, and the store closed again. */
export async function seedArchive (t: { teardown: (fn: () => unknown) => void }, dataDir: string, plan: Record<string, Record<string, string | null>>, parties: Record<string, RecordParty[]> = {}): Promise<SeededArchive> {
  const a = await openArchive(t, dataDir)
  const records = new Records(a.store)
  const search = createSearchService(a.store.searchIndex)
  const out: Record<string, SeededRecord> = {}
  for (const [name, fields] of Object.entries(plan)) {
    const { record } = await archiveRecord(a, { unit: '622', fields, ...(parties[name] ? { parties: parties[name] } : {}) })
    await indexRecord({ store: a.store, records, search }, record.id)
    out[name] = { record, pdf: await a.store.files.read(record.pdf!.sha256) }
  }
  await a.store.close()
  return { key: await loadOrCreateNodeKey(dataDir), records: out }
}

export const permit = (fields: Partial<Record<string, string | null>>): Record<string, string | null> => ({
  documentType: 'GIẤY PHÉP XÂY DỰNG', issuedDate: '2019-05-14', issuer: 'UBND HUYỆN CHƯ SÊ', subjectName: 'Nguyễn Văn An', ...fields
})

/** A machine token's secret. */
export async function tokenOf (url: string, scope: 'ingest' | 'read' | 'admin' | 'integration'): Promise<string> {
  return (await createToken(url, scope)).secret
}

/** Adds a user with `role` (through an admin token) and signs in: the session cookie. */
export async function sessionOf (url: string, adminToken: string, username: string, role: string): Promise<string> {
  const password = `mat-khau-${username}`
  const add = await fetch(`${url}/api/v1/users`, {
    method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, roles: [role] })
  })
  if (add.status !== 201) throw new Error(`user ${username}: ${add.status} ${await add.text()}`)
  const login = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (login.status !== 200) throw new Error(`login ${username}: ${login.status}`)
  return login.headers.get('set-cookie')!.split(';')[0]
}

/** A link's path and query against the running appliance (links carry the configured public URL). */
export const onAppliance = (applianceUrl: string, link: string): string => {
  const u = new URL(link)
  return `${applianceUrl}${u.pathname}${u.search}`
}
