// Shared set-up of the push tests: a real store in a temp dir, the shipped units, a real Intake, and helpers.
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { pino } from 'pino'
import { DEFAULT_MAX_PIXELS, type FtpConfig } from '../../appliance/src/config/index.js'
import { Intake, type IntakeRequest, type IntakeResult } from '../../appliance/src/intake/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { Units } from '../../appliance/src/units/index.js'
import { CORPUS } from '../helpers/tmp.js'

export const silent = pino({ level: 'silent' })

export interface Harness {
  dir: string
  store: Store
  intake: Intake
  /** Runs `fn` at the end of the test, before the store closes (receivers first, storage last). */
  cleanup: (fn: () => Promise<void> | void) => void
}

/** A real store in a fresh temp dir with the shipped units (`622`, `623`, ...) and a real Intake. */
export async function openHarness (t: { teardown: (fn: () => unknown) => void }): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-push-'))
  const store = await Store.open(join(dir, 'data'))
  const first: Array<() => Promise<void> | void> = []
  t.teardown(async () => {
    for (const fn of first.reverse()) await fn()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })
  await new Units(store).seed()
  const intake = new Intake({ store, maxPixels: DEFAULT_MAX_PIXELS, logger: silent })
  return { dir, store, intake, cleanup: (fn) => { first.push(fn) } }
}

/** The real intake behind a door that takes `ms` longer: an early acknowledgement would show. */
export function slowDoor (intake: Intake, ms: number, committed: IntakeResult[] = [], entered: IntakeRequest[] = []): { accept: (req: IntakeRequest) => Promise<IntakeResult> } {
  return {
    accept: async (req) => {
      entered.push(req)
      await delay(ms)
      const result = await intake.accept(req)
      committed.push(result)
      return result
    }
  }
}

export async function corpusJpeg (n = 0): Promise<Buffer> {
  return await readFile(join(CORPUS, `${String(n).padStart(4, '0')}.jpg`))
}

export function sha256 (bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export async function countRecords (store: Store): Promise<number> {
  let n = 0
  for await (const _ of store.listRecords()) n++
  return n
}

/** The sha256 of every page of the record intake made for these bytes in this unit, or undefined. */
export async function storedSha (store: Store, unit: string, bytes: Buffer): Promise<string | undefined> {
  const recordId = await store.findImport(unit, sha256(bytes))
  if (!recordId) return undefined
  const record = await store.getRecord(recordId)
  return record?.sourceSha256
}

export function ftpConfig (pasvMin: number, pasvMax: number, accounts: FtpConfig['accounts']): FtpConfig {
  return { enabled: true, host: '127.0.0.1', port: 0, pasvUrl: '127.0.0.1', pasvMin, pasvMax, accounts }
}

/** Polls `check` every 20 ms until it is true, or fails after `ms`. */
export async function waitFor (check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await delay(20)
  }
}
