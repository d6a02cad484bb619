/**
 * Separator cover sheets: from a stack of scanned pages to records.
 * Operators scan whole stacks through the document feeder, with a cover sheet in front of each record. A sheet
 * carries a QR code whose text names the record (unit, dossier, procedure and result-type codes, box and file
 * numbers, inventory file id) and the same in words.
 * - `encodeSeparator` / `parseSeparator`: the QR text (`SOHOA1|u=…`), strict both ways.
 * - `renderSeparatorSheets`: the printable A4 PDF, one sheet per record.
 * - `detectSeparator` (and `probePage`, which also measures blankness from the same decode): run on every page in
 *   prepare; zxing runs from node_modules on its own thread, never the network.
 * - `segmentStack` / `planStack`: the pure cut of a stack into records, blank pages kept out.
 */
export { encodeSeparator, parseSeparator, sameSeparator, separatorProblem, SEPARATOR_PREFIX, type SeparatorInfo } from './payload.js'
export { renderSeparatorSheets, QR_MIN_MODULE_MM, QR_MIN_SIDE_MM, type SheetOptions } from './sheet.js'
export type { SheetLanguage } from './labels.js'
export { detectSeparator, probePage, type DetectOptions, type PageProbe } from './detect.js'
export { segmentStack, planStack, type StackPage, type StackSegment, type StackPlan, type EmptySeparator } from './segment.js'
export { stopQrThread as closeSeparatorDetector } from './qr-thread.js'
