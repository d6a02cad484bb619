/** Builds the archive of one node: its key and log always; on a serving node also the signer and the archiver. */
import type { SearchService } from '../search/index.js'
import type { Config } from '../config/index.js'
import type { Logger } from '../log/index.js'
import { loadResultTypes, type RecordLifecycle } from '../records/index.js'
import type { Store } from '../store/index.js'
import type { Units } from '../units/index.js'
import { Archiver } from './archiver.js'
import { loadSigningIdentity, type SigningIdentity } from './identity.js'
import { ArchiveLifecycle } from './lifecycle.js'
import { ArchiveLog, loadOrCreateNodeKey, type NodeKey } from './log/index.js'
import { closeSeparatorDetector } from '../separator/index.js'
import { packageInputOf, type PackageInput } from './package/index.js'

export interface ArchiveServices {
  key: NodeKey
  archiveLog: ArchiveLog
  lifecycle: ArchiveLifecycle
  archiver?: Archiver
  identity?: SigningIdentity
  /** An archived record as the input of its archival package (`unitName` goes into its description). */
  packageInput: (recordId: string, unitName: string | null) => Promise<PackageInput>
}

/** The copying agency's name as the decree wants it on "SAO Y": the people's committee of the unit. */
export function agencyNameOf (unitName: string): string {
  const upper = unitName.normalize('NFC').toLocaleUpperCase('vi')
  return upper.startsWith('ỦY BAN') || upper.startsWith('UBND') ? upper : `ỦY BAN NHÂN DÂN ${upper}`
}

export function publicUrlOf (config: Config, address?: string): string {
  if (config.publicUrl) return config.publicUrl
  return address ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`
}

export async function openArchive (opts: {
  config: Config, store: Store, units: Units, lifecycle: RecordLifecycle, logger: Logger, serving: boolean, version: string
  /** Where a lawful deletion removes the record from the search index. */
  search?: Pick<SearchService, 'removeDocument'>
}): Promise<ArchiveServices> {
  const { config, store, units, lifecycle, logger, serving } = opts
  const key = await loadOrCreateNodeKey(config.dataDir)
  const archiveLog = await ArchiveLog.open(store, key)
  const services: ArchiveServices = {
    key,
    archiveLog,
    lifecycle: new ArchiveLifecycle(store, lifecycle, archiveLog, opts.search),
    packageInput: async (recordId, unitName) => await packageInputOf({ store, archiveLog, recordId, unitName, software: { name: 'sohoa', version: opts.version } })
  }
  if (!serving) return services
  const unit = await units.get(config.unit)
  const identity = await loadSigningIdentity(config, config.agencyName ?? agencyNameOf(unit.name))
  if (identity.testCertificate) logger.warn({ certificate: identity.certificate.subjectName }, 'signing with a self-signed TEST certificate: configure the agency certificate (signing.p12Path)')
  services.identity = identity
  services.archiver = new Archiver({
    store, lifecycle, archiveLog, identity, resultTypes: loadResultTypes(),
    publicUrl: publicUrlOf(config), producer: `sohoa ${opts.version}`, logger: logger
  })
  return services
}

export async function closeArchive (_services: ArchiveServices): Promise<void> {
  await closeSeparatorDetector()
}
