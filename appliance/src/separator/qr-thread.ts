/**
 * Runs QR reading on one worker thread. zxing's WebAssembly is synchronous: a few ms per 100 dpi page, more on an
 * unlucky one, and it runs on every scanned page, so it stays off the API's event loop.
 * The thread starts on first use (loading the .wasm once, ~0.1-0.3 s), holds the process open only while a request
 * is pending, and is replaced if it dies.
 */
import { Worker } from 'node:worker_threads'
import type { QrReply, QrRequest } from './qr-worker.js'

interface Pending {
  resolve: (texts: string[]) => void
  reject: (e: Error) => void
}

let thread: Worker | null = null
let nextId = 1
const pending = new Map<number, Pending>()

function failAll (err: Error): void {
  for (const p of pending.values()) p.reject(err)
  pending.clear()
}

function start (): Worker {
  // Built: the compiled .js beside this file; under the test runner's TypeScript loader it resolves to the .ts.
  const w = new Worker(new URL('./qr-worker.js', import.meta.url))
  w.unref()
  w.on('message', (reply: QrReply) => {
    const p = pending.get(reply.id)
    if (!p) return
    pending.delete(reply.id)
    if (pending.size === 0) w.unref()
    if ('error' in reply) p.reject(new Error(reply.error))
    else p.resolve(reply.texts)
  })
  w.on('error', err => {
    if (thread === w) thread = null
    failAll(err)
  })
  w.on('exit', code => {
    if (thread === w) thread = null
    failAll(new Error(`QR thread exited (code ${code})`))
  })
  return w
}

/** The texts of the QR codes zxing finds on an 8-bit grey page. */
export async function readQrTexts (grey: Uint8Array, width: number, height: number): Promise<string[]> {
  thread ??= start()
  const w = thread
  const id = nextId++
  const request: QrRequest = { id, grey, width, height }
  return await new Promise<string[]>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    // Referenced while work is pending, or a script awaiting only this could exit under it.
    w.ref()
    w.postMessage(request)
  })
}

/** Stops the QR thread (at shutdown; the next read starts a new one). */
export async function stopQrThread (): Promise<void> {
  const w = thread
  thread = null
  if (w) await w.terminate()
}
