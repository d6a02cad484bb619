/**
 * Sync test harness: archives seeded into a district's data directory with the real signed log and file store
 * (before the node starts: LevelDB has one owner), nodes started as child processes with their role, and small
 * HTTP and CLI helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { ArchiveLog, loadOrCreateNodeKey } from '../../appliance/src/archive/log/index.js'
import { newId, Store } from '../../appliance/src/store/index.js'
import { createToken } from '../helpers/appliance.js'
import { ROOT } from '../helpers/tmp.js'

const NODE_SCRIPT = join(ROOT, 'bin', 'sohoa.js')
const BIN = join(ROOT, 'bin', 'sohoa.js')

export interface SeedRecord {
  text: string
  unit?: string
  fields?: Record<string, string | null>
  /** Everyone the result names, as the district's log says. */
  parties?: Array<{ role: string, name: string, idNumber?: string }>
  /** Master images (any bytes: the province does not decode them). */
  masters?: Buffer[]
}

export interface Seeded {
  peerId: string
  records: Array<{ id: string, unit: string, files: Array<{ sha256: string, size: number, role: string }> }>
  head: number
  /** The log's entries as stored (for replays). */
  entries: Array<{ seq: number, envelope: Uint8Array }>
}

/** Appends `record.archived` entries (and their files) to a district's log, as the archive step does. */
export async function seedArchive (dataDir: string, unit: string, records: SeedRecord[]): Promise<Seeded> {
  const store = await Store.open(dataDir)
  try {
    const key = await loadOrCreateNodeKey(dataDir)
    const archiveLog = await ArchiveLog.open(store, key)
    const out: Seeded['records'] = []
    for (const r of records) {
      const id = newId('r')
      const recordUnit = r.unit ?? unit
      const files: Array<{ sha256: string, size: number, role: string }> = []
      const masters = r.masters ?? [randomBytes(2048)]
      const pageIds = masters.map(() => newId('p'))
      for (const m of masters) {
        const stored = await store.files.put(m)
        files.push({ sha256: stored.sha256, size: m.byteLength, role: 'master' })
      }
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n% sohoa test\n'), randomBytes(1024)])
      const pdfFile = await store.files.put(pdf)
      files.push({ sha256: pdfFile.sha256, size: pdf.byteLength, role: 'pdf' })
      const text = Buffer.from(JSON.stringify({ recordId: id, pages: pageIds.map((pageId, i) => ({ pageId, text: i === 0 ? r.text : '', confidence: 90, words: [], width: 100, height: 140 })) }))
      const textFile = await store.files.put(text)
      files.push({ sha256: textFile.sha256, size: text.byteLength, role: 'text' })
      const now = new Date().toISOString()
      const record = {
        id, archiveId: `${recordUnit}.${id}`, unit: recordUnit, batchId: newId('b'), filename: 'scan.jpg', fields: r.fields ?? {}, ...(r.parties ? { parties: r.parties } : {}), codes: null,
        validity: { state: 'valid' }, retention: 'permanent', pageCount: masters.length, createdAt: now, approvedBy: 'admin', approvedAt: now,
        archivedAt: now, pdf: { sha256: pdfFile.sha256, filename: `${id}.pdf` }, textSha256: textFile.sha256
      }
      await archiveLog.append({ type: 'record.archived', recordId: id, unit: recordUnit, files, data: { record } })
      out.push({ id, unit: recordUnit, files })
    }
    const head = (await archiveLog.head()).seq
    const entries = (await archiveLog.entries(1, head)).map(e => ({ seq: e.seq, envelope: new Uint8Array(e.envelope) }))
    return { peerId: key.peerId, records: out, head, entries }
  } finally {
    await store.close()
  }
}

export interface SyncNode {
  url: string
  dataDir: string
  peerId: string
  child: ChildProcess
  logs: string[]
  token: string
  stop: () => Promise<void>
  kill9: () => Promise<void>
}

export interface NodeOptions {
  dataDir: string
  role: 'district' | 'province'
  province?: string
  bandwidth?: number
  schedule?: string
  env?: Record<string, string>
  /** HTTP address (default 127.0.0.1). */
  host?: string
  /** Command prefix, e.g. `ip netns exec <ns>` (benchmark: a district behind a shaped link). */
  prefix?: string[]
}

export interface Teardown { teardown: (fn: () => unknown) => void }

/** Starts a node (role, libp2p on 127.0.0.1, port 0) and gives back its URL, peer ID and an admin token. */
export async function startNode (t: Teardown, opts: NodeOptions): Promise<SyncNode> {
  if (!existsSync(join(ROOT, 'dist', 'appliance', 'src', 'cli', 'index.js'))) throw new Error('run `npx tsc -p tsconfig.json` first (npm test does it)')
  const command = [...(opts.prefix ?? []), process.execPath, NODE_SCRIPT, 'start']
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SOHOA_DATA_DIR: opts.dataDir,
      SOHOA_HOST: opts.host ?? '127.0.0.1',
      SOHOA_PORT: '0',
      SOHOA_ADMIN_PASSWORD: 'mat-khau-quan-tri',
      SOHOA_OCR_WORKERS: '1',
      SOHOA_LOG_LEVEL: 'info',
      SOHOA_ROLE: opts.role,
      SOHOA_P2P_LISTEN: '/ip4/127.0.0.1/tcp/0',
      SOHOA_SYNC_SCHEDULE: opts.schedule ?? 'always',
      SOHOA_SYNC_BANDWIDTH: String(opts.bandwidth ?? 0),
      SOHOA_SYNC_POLL_MS: '500',
      ...(opts.province ? { SOHOA_PROVINCE: opts.province } : {}),
      ...opts.env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const logs: string[] = []
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const started = await new Promise<{ address: string, peerId: string }>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`node did not start in 150 s\n${stderr}`)) }, 150_000)
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`node exited with ${code}\n${stderr}\n${logs.slice(-5).join('\n')}`)) })
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line)
      if (line.includes('"sohoa started"')) {
        clearTimeout(timer)
        const parsed = JSON.parse(line)
        resolve({ address: parsed.address, peerId: parsed.peerId })
      }
    })
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  const kill9 = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  t.teardown(kill9)
  const { secret } = await createToken(started.address, 'admin')
  return { url: started.address, dataDir: opts.dataDir, peerId: started.peerId, child, logs, token: secret, stop, kill9 }
}

export async function api (node: SyncNode, method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${node.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

/** The province's libp2p address, as districts are configured with it. */
export async function provinceAddress (province: SyncNode): Promise<string> {
  const { body } = await api(province, 'GET', '/api/v1/sync/status')
  const addr = (body.listen as string[]).find(a => a.startsWith('/ip4/127.0.0.1/'))
  if (!addr) throw new Error(`province not listening: ${JSON.stringify(body)}`)
  return addr.includes('/p2p/') ? addr : `${addr}/p2p/${body.peerId as string}`
}

export async function register (province: SyncNode, peerId: string, unit: string): Promise<void> {
  const res = await api(province, 'POST', '/api/v1/sync/peers', { peerId, unit })
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`)
}

export async function district (province: SyncNode, peerId: string): Promise<any> {
  const { body } = await api(province, 'GET', '/api/v1/sync/districts')
  return (body.districts as any[]).find(d => d.peerId === peerId)
}

export async function waitFor<T> (what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}

/** Runs the `sohoa` command (through the control socket when the node in `dataDir` runs). */
export async function sohoa (args: string[], env: Record<string, string>): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SOHOA_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  const code = await new Promise<number | null>(resolve => child.once('exit', (c) => resolve(c)))
  return { code, stdout, stderr }
}
