/**
 * Starts the real appliance (`bin/sohoa.js start`, the built code) as a child process on a free port with its own
 * data directory, and gives the test its base URL, an admin token and a way to kill it (gently or with SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { CORPUS, ROOT } from './tmp.js'

export { ROOT }
const BIN = join(ROOT, 'bin', 'sohoa.js')

export interface Appliance {
  url: string
  dataDir: string
  child: ChildProcess
  /** Lines the process logged (JSON strings). */
  logs: string[]
  stop: () => Promise<void>
  kill9: () => Promise<void>
}

export interface StartOptions {
  dataDir: string
  env?: Record<string, string>
  adminPassword?: string
}

export async function startAppliance (opts: StartOptions): Promise<Appliance> {
  if (!existsSync(join(ROOT, 'dist', 'appliance', 'src', 'cli', 'index.js'))) throw new Error('run `npm run build` first (npm test does it)')
  const child = spawn(process.execPath, [BIN, 'start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SOHOA_DATA_DIR: opts.dataDir,
      SOHOA_HOST: '127.0.0.1',
      SOHOA_PORT: '0',
      SOHOA_ADMIN_PASSWORD: opts.adminPassword ?? 'mat-khau-quan-tri',
      SOHOA_OCR_WORKERS: '1',
      SOHOA_LOG_LEVEL: 'info',
      ...opts.env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const logs: string[] = []
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL') // never leave a half-started appliance behind
      reject(new Error(`appliance did not start in 150 s\n${stderr}`))
    }, 150_000)
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`appliance exited with ${code}\n${stderr}`)) })
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line)
      if (line.includes('"sohoa started"')) {
        clearTimeout(timer)
        resolve(JSON.parse(line).address)
      }
    })
  })
  return {
    url,
    dataDir: opts.dataDir,
    child,
    logs,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    }
  }
}

/** Logs in as admin over HTTP and creates a token of the given scope. */
export async function createToken (url: string, scope: 'ingest' | 'read' | 'integration' | 'admin', password = 'mat-khau-quan-tri'): Promise<{ id: string, secret: string }> {
  const login = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`)
  const cookie = login.headers.get('set-cookie')!.split(';')[0]
  const { csrfToken } = await login.json() as { csrfToken: string }
  const res = await fetch(`${url}/api/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: `test-${scope}`, scope })
  })
  if (res.status !== 201) throw new Error(`token failed: ${res.status} ${await res.text()}`)
  const body = await res.json() as { token: { id: string }, secret: string }
  return { id: body.token.id, secret: body.secret }
}

/** Polls a batch until every page is indexed or failed. */
export async function waitForBatch (url: string, token: string, batchId: string, timeoutMs = 240_000): Promise<any> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await fetch(`${url}/api/v1/batches/${batchId}`, { headers: { authorization: `Bearer ${token}` } })
    const batch = await res.json() as any
    if (batch.done) return batch
    if (Date.now() > deadline) throw new Error(`batch not done in time: ${JSON.stringify(batch)}`)
    await new Promise(resolve => setTimeout(resolve, 300))
  }
}

export function truth (): Array<Record<string, any>> {
  return readFileSync(join(CORPUS, 'truth.jsonl'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
}
