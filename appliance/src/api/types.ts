import type { ArchiveServices } from '../archive/index.js'
import type { Auth, Permission, Principal } from '../auth/index.js'
import type { Config } from '../config/index.js'
import type { DashboardFigures } from '../dashboard/index.js'
import type { Intake } from '../intake/index.js'
import type { Inventory } from '../inventory/index.js'
import type { Reports } from '../reports/index.js'
import type { Metrics } from '../metrics/index.js'
import type { Pipeline } from '../pipeline/index.js'
import type { RecordLifecycle, Records } from '../records/index.js'
import type { ScannerService } from '../scanner/index.js'
import type { SearchService } from '../search/index.js'
import type { FileStore } from '../store/index.js'
import type { Units } from '../units/index.js'

/** The stored files' bytes, read by their SHA-256 (downloads of masters, previews, PDFs, linked files). */
export type FileReader = Pick<FileStore, 'stream'>

/** What the HTTP layer may use: services, never the store. All are built once, in node.ts. */
export interface Services {
  version: string
  config: Config
  files: FileReader
  auth: Auth
  units: Units
  intake: Intake
  records: Records
  /** Review, approval, split/merge and validity changes of records. */
  lifecycle: RecordLifecycle
  search: SearchService
  /** Absent on an offline CLI node, which queues work without running it. */
  pipeline?: Pipeline
  metrics?: Metrics
  /** Scanners on saned hosts; absent where the node does not drive scanners (offline CLI). */
  scanners?: ScannerService
  /** Replication to the province (issue 5); absent where it is not wired. */
  sync?: import('../../../sync/src/index.js').SyncService
  reindex: () => Promise<{ records: number }>
  /** How far a running (or the last) reindex got. */
  reindexProgress?: () => { running: boolean, records: number, startedAt: string }
  /** The node key, the signed log, validity and deletion (every node); the signer and archiver on a serving node. */
  archive?: ArchiveServices
  /** Result lookups for reuse, their signed file links and audit trail (issue 7); absent where it is not wired. */
  integration?: import('../integration/index.js').IntegrationServices
  /** The outbox to the one-stop systems / national portal: targets, dead letters (issue 7). */
  outbox?: import('../integration/index.js').Outbox
  /** Paper holdings (boxes, files) and their status as records arrive. */
  inventory: Inventory
  /** Progress reports (on the province, across the districts' replicas too). */
  reports: Reports
  /** The figures of the web admin's Tổng quan page. */
  dashboard: DashboardFigures
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** What the caller must be allowed to do; routes without it are public. */
    permission?: Permission
  }
}
