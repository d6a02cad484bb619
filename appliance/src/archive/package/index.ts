/**
 * Archival packages in the spirit of E-ARK CSIP: one ZIP per archived record with a METS map (every file with its
 * SHA-256), Dublin Core descriptive metadata, PREMIS 3 preservation metadata (objects, fixity, events, agents), the
 * masters and the signed PDF, and the record's signed log entries byte for byte, so the package proves itself
 * outside sohoa: recompute the checksums, verify the entries against the node's peer ID.
 */
export { buildPackage, packageBuffer, logEntryPath, LOG_ENTRY_DIR } from './build.js'
export { packageInputOf, type CollectOptions } from './collect.js'
export { dublinCore, recordTitle } from './dublin-core.js'
export { premis, agentTypeOf } from './premis.js'
export { mets, href, fileGroupOf } from './mets.js'
export type { PackageInput, PackageRecord, PackageFile, PackageLogEntry } from './types.js'
