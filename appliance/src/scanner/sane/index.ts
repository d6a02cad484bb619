/**
 * @packageDocumentation
 * A client for saned, the SANE network daemon, speaking the SANE network protocol over TCP (no libsane,
 * no native binding). It lists and opens scanners, reads and sets options by name (checked against their
 * constraints before anything is sent), and scans pages into images: gray or colour, 1/8/16-bit, single
 * or three-pass frames, known or unknown height, padded lines. SANE statuses become catalogue errors with
 * `details.status` (JAMMED, NO_DOCS, COVER_OPEN...); every network step has a timeout.
 *
 * ```ts
 * const client = await SaneClient.connect({ host: '192.168.1.20', timeoutMs: 10_000 })
 * const dev = await client.open('fujitsu:fi-7160:1234')
 * await dev.setOption('source', 'ADF Duplex')
 * await dev.setOption('resolution', 300)
 * for await (const page of dev.scanBatch()) await save(await encodePng(page))   // ends at NO_DOCS, sends CANCEL
 * // or by hand: for (;;) { try { pages.push(await dev.scanPage()) } catch (e) { if (e.code === 'SANE_NO_DOCS') break; throw e } }
 * //             await dev.cancel()   // SANE wants CANCEL after the last page; scanPage({ endBatch: true }) does it too
 * await client.close()
 * ```
 * Batching policy (pauses, retries after a jam) belongs to the appliance, not here.
 */
export { SaneClient, type SaneClientOptions } from './client.js'
export type { SaneDevice, ScanOptions, PageOptions, BatchOptions, SetOptionResult, OptionState } from './device.js'
export type { DeviceInfo, SaneParameters } from './codec.js'
export type { OptionDescriptor, OptionConstraint, OptionCapabilities, OptionValue } from './options.js'
export type { OptionType, OptionUnit, FrameFormat, SaneStatusName } from './constants.js'
export type { ScannedImage } from './image.js'
export type { TransferProgress } from './transfer.js'
export type { Timeouts } from './connection.js'
export { DEFAULT_TIMEOUTS } from './connection.js'
export type { SaneAuth, SaneCredentials, AuthRequest } from './auth.js'
export { scramblePassword } from './auth.js'
export { DEFAULT_SANED_PORT } from './constants.js'
export { hasSaneStatus } from './errors.js'
export { encodePng, type PngOptions } from './png.js'
export { assembleImage, type RawFrame } from './image.js'
