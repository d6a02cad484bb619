/**
 * Runs QR reading on one worker thread. zxing's WebAssembly is synchronous: a few ms per 100 dpi page, more on an
 * unlucky one, and it runs on every scanned page, so it stays off the API's event loop.
 * The thread starts on first use (loading the .wasm once, ~0.1-0.3 s), holds the process open only while a request
 * is pending, and is replaced if it dies (see `workers/`).
 */
import { WorkerThread } from '../workers/index.js'
import type { QrReply, QrRequest } from './qr-worker.js'

const thread = new WorkerThread<QrRequest, QrReply>(new URL('./qr-worker.js', import.meta.url), 'QR')

/** The texts of the QR codes zxing finds on an 8-bit grey page. */
export async function readQrTexts (grey: Uint8Array, width: number, height: number): Promise<string[]> {
  return (await thread.request({ grey, width, height })).texts
}

/** Stops the QR thread (at shutdown; the next read starts a new one). */
export async function stopQrThread (): Promise<void> {
  await thread.close()
}
