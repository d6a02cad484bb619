/** What an archival package is made from: a record's description, its files as streams, its events, its log entries. */
import type { Readable } from 'node:stream'
import type { RecordEvent } from '../../store/index.js'

export interface PackageRecord {
  id: string
  /** `SH-<unit>-…`: the package's OBJID and its root folder. */
  archiveId: string
  unit: string
  unitName?: string | null
  /** The field values (`documentType`, `documentNumber`, `issuedDate`, `issuer`, `summary`, …). */
  fields: Record<string, string | null>
  /** Everyone the result names (role, name, ID digits, ISO birth date). */
  parties?: Array<{ role: string, name: string, idNumber?: string, birthDate?: string }>
  /** Agency, dossier, result-type and procedure codes, box and file numbers. */
  codes?: Record<string, string | null | undefined> | null
  status?: string
  validity?: string | null
  retention?: string | null
  createdAt?: string | null
  approvedBy?: string | null
  approvedAt?: string | null
  archivedAt?: string | null
}

export interface PackageFile {
  /** Path inside the package, e.g. `representations/rep1/data/page-001.jpg` (relative, `/`-separated). */
  path: string
  sha256: string
  size: number
  mime: string
  /** `master`, `source`, `pdf`, `text`, … (as in the log). */
  role: string
  /** Opens the bytes; called once, when the ZIP reaches this file. */
  read: () => Readable
}

export interface PackageLogEntry {
  seq: number
  /** The envelope exactly as signed. */
  envelope: Uint8Array
}

export interface PackageInput {
  record: PackageRecord
  files: PackageFile[]
  /** The record's history, oldest first: PREMIS events. */
  events: RecordEvent[]
  /** The log entries naming the record: they travel in the package byte for byte. */
  logEntries: PackageLogEntry[]
  /** Peer ID of the node whose key signed the log entries. */
  node?: string
  /** The software making the package (METS agent). */
  software?: { name: string, version: string }
  createdAt?: Date
}
