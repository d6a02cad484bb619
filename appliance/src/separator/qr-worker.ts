/**
 * Entry of the QR thread: reads QR codes from small grey pages sent by qr-thread.ts, off the main event loop.
 * zxing's WebAssembly comes from node_modules: its default loader would fetch the .wasm from a CDN, which fails
 * offline ("both async and sync fetching of the wasm failed"), so the bytes are handed over as `wasmBinary`.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parentPort } from 'node:worker_threads'
import { prepareZXingModule, readBarcodes, type ReaderOptions } from 'zxing-wasm/reader'

export interface QrRequest {
  id: number
  grey: Uint8Array
  width: number
  height: number
}

export type QrReply = { id: number, texts: string[] } | { id: number, error: string }

const require = createRequire(import.meta.url)

/**
 * - QR only, and no inverted or 90°-turned retries: our sheets are black on white, and a QR symbol is found at any
 *   angle anyway. No internal downscaling: the page arrives already at ~100 dpi.
 * - tryHarder stays on: on a 100 dpi page it costs a few ms and reads blurred, turned scans.
 * - Up to 4 symbols, so that another code on the page (a verification QR) cannot hide the sheet's.
 */
const OPTIONS: ReaderOptions = {
  formats: ['QRCode'],
  tryHarder: true,
  tryRotate: false,
  tryInvert: false,
  tryDownscale: false,
  maxNumberOfSymbols: 4
}

let ready: Promise<unknown> | null = null

function prepare (): Promise<unknown> {
  const bytes = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))
  const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  return prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true })
}

/** The page as a binary PGM (P5): zxing decodes it as is, with no conversion of 4-byte RGBA pixels in JavaScript. */
function pgm (req: QrRequest): Uint8Array {
  const header = Buffer.from(`P5\n${req.width} ${req.height}\n255\n`, 'latin1')
  const out = new Uint8Array(header.length + req.width * req.height)
  out.set(header, 0)
  out.set(req.grey.subarray(0, req.width * req.height), header.length)
  return out
}

async function read (req: QrRequest): Promise<string[]> {
  ready ??= prepare()
  await ready
  const found = await readBarcodes(pgm(req), OPTIONS)
  return found.filter(r => r.isValid && r.format === 'QRCode').map(r => r.text)
}

parentPort?.on('message', (req: QrRequest) => {
  read(req).then(
    texts => parentPort?.postMessage({ id: req.id, texts } satisfies QrReply),
    (err: unknown) => {
      parentPort?.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies QrReply)
    }
  )
})
