/** Shared setup of the SANE client tests: a real saned per test file, clients that close on teardown. */
import type { Test } from 'tap'
import { AppError } from '../../../appliance/src/errors/index.js'
import { SaneClient, type SaneClientOptions } from '../../../appliance/src/scanner/sane/index.js'
import { startSaned, type RunningSaned, type StartSanedOptions } from '../../helpers/saned.js'

export async function saned (t: Test, options?: StartSanedOptions): Promise<RunningSaned> {
  const running = await startSaned(options)
  t.teardown(running.stop)
  return running
}

export async function client (t: Test, server: RunningSaned, options: Partial<SaneClientOptions> = {}): Promise<SaneClient> {
  const c = await SaneClient.connect({ host: server.host, port: server.port, timeoutMs: 5000, ...options })
  t.teardown(async () => await c.close())
  return c
}

/** Open TCP sockets of this process (client sockets and servers). */
export function tcpHandles (): number {
  return process.getActiveResourcesInfo().filter(r => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length
}

/** The count of TCP handles once sockets closed just before (a probe, an earlier test) are gone. */
export async function stableTcpHandles (quietMs = 100): Promise<number> {
  let n = tcpHandles()
  let since = Date.now()
  while (Date.now() - since < quietMs) {
    await new Promise(resolve => setTimeout(resolve, 10))
    const now = tcpHandles()
    if (now !== n) { n = now; since = Date.now() }
  }
  return n
}

/** Waits until the count of TCP handles is `expected` (handles close asynchronously); returns the last count. */
export async function settleTcpHandles (expected: number, timeoutMs = 2000): Promise<number> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const n = tcpHandles()
    if (n === expected || Date.now() > until) return n
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** Runs fn and returns the AppError it throws (fails the test if it does not throw one). */
export async function appError (t: Test, fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn()
  } catch (err) {
    if (err instanceof AppError) return err
    t.fail(`expected an AppError, got ${String(err)}`)
    throw err
  }
  t.fail('expected an error')
  throw new Error('no error thrown')
}
