/**
 * Starts a real saned on loopback for a test: its own SANE_CONFIG_DIR (dll.conf naming the backends,
 * saned.conf allowing 127.0.0.1, optionally saned.users for authorization tests) and an ephemeral port.
 * saned is started with `-p 0` and the port is read from its log ("selected ephemeral port"), so test
 * files running in parallel never race for a port. saned forks a child per client; all of them share the
 * process group we create, so stop() and kill() reach them too.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface SanedUser {
  username: string
  password: string
  /** The backend this entry protects ("test"). */
  backend: string
}

export interface StartSanedOptions {
  /** Backends named in dll.conf. Default: test and pnm. */
  backends?: string[]
  /** Entries for saned.users (user:password:backend): opening those backends then needs AUTHORIZE. */
  users?: SanedUser[]
  /**
   * Extra files for the config folder. The default test.conf only sets `resolution 50.0`: without a
   * test.conf the test backend of sane-backends 1.2.1 starts at a resolution of 50/65536 dpi (its built-in
   * default is a raw 50 in a fixed-point option), which makes 1×1-pixel scans.
   */
  files?: Record<string, string>
  /** How long to wait for saned to listen (ms). Default 10 s. */
  startTimeoutMs?: number
}

export interface RunningSaned {
  host: string
  port: number
  configDir: string
  /** Process id of the listening saned (also its process group id). */
  pid: number
  /** saned's stderr so far (last 64 KiB), for failure messages. */
  log: () => string
  /** Sends `signal` to saned and every child it forked (default SIGKILL): a saned dying mid-scan. */
  kill: (signal?: NodeJS.Signals) => void
  /** Stops saned and its children and removes the config folder. Safe to call twice. */
  stop: () => Promise<void>
}

const LOG_LIMIT = 64 * 1024
const running = new Set<number>()

// A crashed test must not leave daemons behind.
process.on('exit', () => {
  for (const pid of running) killGroup(pid, 'SIGKILL')
})

export async function startSaned (options: StartSanedOptions = {}): Promise<RunningSaned> {
  const configDir = await mkdtemp(join(tmpdir(), 'sohoa-saned-'))
  const files: Record<string, string> = {
    'dll.conf': (options.backends ?? ['test', 'pnm']).join('\n') + '\n',
    'saned.conf': '127.0.0.1\n',
    'test.conf': 'number_of_devices 2\nresolution 50.0\n',
    ...options.files
  }
  if (options.users !== undefined) {
    files['saned.users'] = options.users.map(u => `${u.username}:${u.password}:${u.backend}`).join('\n') + '\n'
  }
  for (const [name, content] of Object.entries(files)) await writeFile(join(configDir, name), content)

  const child = spawn('saned', ['-l', '-e', '-b', '127.0.0.1', '-p', '0', '-d', '4'], {
    env: { ...process.env, SANE_CONFIG_DIR: configDir },
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe']
  })
  const pid = child.pid
  if (pid === undefined) throw new Error('saned did not start (is sane-utils installed?)')
  running.add(pid)
  let log = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => { log = (log + text).slice(-LOG_LIMIT) })

  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await terminate(child, pid)
    running.delete(pid)
    await rm(configDir, { recursive: true, force: true })
  }

  try {
    const port = await waitForPort(child, () => log, options.startTimeoutMs ?? 10_000)
    await waitForAccept('127.0.0.1', port)
    return { host: '127.0.0.1', port, configDir, pid, log: () => log, kill: (signal = 'SIGKILL') => killGroup(pid, signal), stop }
  } catch (err) {
    await stop()
    throw err
  }
}

async function waitForPort (child: ChildProcess, log: () => string, timeoutMs: number): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`saned did not report its port within ${timeoutMs} ms:\n${log()}`)), timeoutMs)
    const onData = (): void => {
      const match = /selected ephemeral port: (\d+)/.exec(log())
      if (match !== null) finish(null, Number(match[1]))
    }
    const onExit = (code: number | null): void => finish(new Error(`saned exited (${code ?? 'signal'}) before listening:\n${log()}`))
    function finish (err: Error | null, port?: number): void {
      clearTimeout(timer)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      if (err !== null) reject(err)
      else resolve(port as number)
    }
    // Our own 'data' listener was added first, so the log already holds the new text here.
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
    onData()
  })
}

async function waitForAccept (host: string, port: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const ok = await new Promise<boolean>(resolve => {
      const socket = connect({ host, port })
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => { socket.destroy(); resolve(false) })
    })
    if (ok) return
    if (attempt === 50) throw new Error(`saned does not accept on ${host}:${port}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

async function terminate (child: ChildProcess, pid: number): Promise<void> {
  const exited = child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>(resolve => child.once('exit', () => resolve()))
  killGroup(pid, 'SIGTERM')
  const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 2000)
  await exited
  clearTimeout(timer)
  // Children that ignored SIGTERM (a backend busy in a read) go now.
  killGroup(pid, 'SIGKILL')
}

function killGroup (pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // ESRCH: the group is gone already.
  }
}
