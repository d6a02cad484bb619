/**
 * @packageDocumentation
 * Scanners in the appliance: the devices of the configured saned hosts (reached with our own SANE network
 * client, `./sane`), a profile per scanner that meets the standard by default (colour, 24-bit, 300 dpi), and
 * scan batches whose pages enter intake one by one as they leave the scanner. A jam, an open cover, an I/O
 * error or a lost saned pauses the batch with its reason and keeps every stored page; resume continues into
 * the same batch, cancel ends it. Progress is published per batch on `events` (server-sent to the web admin),
 * with ids a reconnecting client can resume from.
 *
 * ```ts
 * const scanners = new ScannerService({ hosts: config.sanedHosts, timeoutMs: config.sanedTimeoutMs, store, intake, pipeline, log })
 * await scanners.start()                       // batches a crash left `scanning` become paused (interrupted)
 * const { batchId } = await scanners.startBatch(id, { unit: '622' })
 * const off = scanners.events.subscribe(batchId, e => console.log(e.type))
 * await scanners.stop()                        // running batches end paused (interrupted)
 * ```
 */
export {
  ScannerService,
  type ScannerServiceOptions, type ScannerView, type ScannerList, type SanedHostView, type ScannerState, type StartScanRequest
} from './service.js'
export { BatchEvents, type BatchEvent, type BatchListener, type BatchEventsOptions, type StampedEvent } from './events.js'
export type { BeforeSheetHook } from './batch-runner.js'
export { PROFILE_FIELDS, defaultProfile, checkProfile, standardProblems, type ScanProfile, type ScanSettings } from './profiles.js'
export type { ScannerOptionView, ErrorView } from './discovery.js'
export { parseSanedHost, scannerId, type SanedAddress } from './addresses.js'
export { readProvenance } from './provenance.js'
export {
  SaneClient, encodePng, hasSaneStatus, DEFAULT_SANED_PORT,
  type SaneClientOptions, type SaneDevice, type SaneAuth, type DeviceInfo, type OptionDescriptor, type OptionValue,
  type OptionConstraint, type ScannedImage
} from './sane/index.js'
