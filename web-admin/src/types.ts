/**
 * The shapes the app reads from the API: names for the types generated from the route schemas (./api/schema.d.ts
 * and ./api/enums.ts, see ./api/contract.ts). Never write an answer's shape here by hand: alias it.
 */
import type { Answer, components } from './api/contract.js'

export { FIELD_NAMES } from './api/enums.js'

/** GET /api/v1/session: who is calling, what they may do. */
export type SessionInfo = Answer<'/api/v1/session'>
export type Permission = SessionInfo['permissions'][number]

/** One unit of GET /api/v1/units (with its merge, when an administrative reform merged it). */
export type Unit = Answer<'/api/v1/units'>[number]

/** GET /api/v1/scanners: the saned hosts and their scanners. */
export type ScannerList = Answer<'/api/v1/scanners'>
export type Scanner = ScannerList['scanners'][number]
export type ScannerOption = NonNullable<Scanner['options']>[number]
export type ScanProfile = NonNullable<Scanner['profile']>
export type ErrorView = NonNullable<Scanner['error']>

export type BatchView = Answer<'/api/v1/batches/{id}'>

/** GET /api/v1/dashboard. */
export type Dashboard = Answer<'/api/v1/dashboard'>

/** GET /api/v1/sync/status (either role; the dashboard's `replication` too). */
export type SyncStatus = Answer<'/api/v1/sync/status'>

export type FieldName = components['schemas']['FieldName']
export const EDITABLE_CODES = ['dossierCode', 'procedureCode', 'resultTypeCode', 'box', 'file'] as const
export type CodeName = typeof EDITABLE_CODES[number]

/** GET /api/v1/records/{id} (and every answer that returns a record: edit, approve, merge, validity, archive). */
export type RecordView = Answer<'/api/v1/records/{id}'>
export type PageView = RecordView['pages'][number]
export type StoredField = RecordView['fields'][string]
export type FieldBox = StoredField['boxes'][number]
export type Party = RecordView['parties']['value'][number]
export type RecordStatus = components['schemas']['RecordStatus']
export type ValidityState = components['schemas']['Validity']

/** Roles extraction gives; a reviewer picks one of them. */
export const PARTY_ROLES = ['holder', 'owner', 'establishment', 'household', 'husband', 'wife', 'child', 'deceased', 'representative', 'enterprise', 'beneficiary', 'mother', 'father'] as const

/** One record of GET /api/v1/records. */
export type RecordSummary = Answer<'/api/v1/records'>['records'][number]

/** GET /api/v1/search. */
export type SearchAnswer = Answer<'/api/v1/search'>

export type VersionEntry = Answer<'/api/v1/records/{id}/versions'>[number]
export type EventEntry = Answer<'/api/v1/records/{id}/events'>[number]

export type UserView = Answer<'/api/v1/users'>[number]
export type TokenView = Answer<'/api/v1/tokens'>[number]

/** The progress report (GET /api/v1/reports/progress, appliance/src/reports/index.ts). */
export type ProgressReportView = Answer<'/api/v1/reports/progress'>
export type ProgressFigures = ProgressReportView['totals']
export type ProgressRowView = ProgressReportView['rows'][number]
export type ProgressLevelView = ProgressReportView['byLevel'][number]
export type UnitLevel = ProgressRowView['level']

/** The integration outbox (GET /api/v1/integration/outbox, admin). */
export type OutboxTargetView = Answer<'/api/v1/integration/outbox'>['targets'][number]
export type DeadLetterView = Answer<'/api/v1/integration/outbox/dead-letters'>['deadLetters'][number]
export type DeadLetterState = NonNullable<DeadLetterView['state']>

/** One lookup by personal ID (GET /api/v1/integration/audit, permission audit). */
export type LookupAuditEntry = Answer<'/api/v1/integration/audit'>['entries'][number]

export type CatalogueUnit = Unit
