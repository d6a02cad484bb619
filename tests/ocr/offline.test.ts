import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CORPUS, corpusTruth } from '../imaging/helpers.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const guard = join(here, 'fixtures', 'net-guard.cjs')
const child = join(here, 'fixtures', 'offline-child.ts')
// The child loads TypeScript the way this test process does (the runner's loader), but nothing else of ours.
const loaderArgs = process.execArgv.filter(a => a.includes('@tapjs/typescript'))
const truth = corpusTruth().find(x => x.file === '0008.jpg')!

interface Run {
  code: number | null
  stdout: string
  stderr: string
  guardLog: Array<{ kind: string, target: string, thread: number }>
  cwdFiles: string[]
  cacheFiles: string[]
}

async function runChild (env: NodeJS.ProcessEnv, wrap: string[] = []): Promise<Run> {
  const work = mkdtempSync(join(tmpdir(), 'sohoa-offline-'))
  const cwd = join(work, 'cwd')
  const cacheDir = join(work, 'cache')
  const logFile = join(work, 'guard.log')
  writeFileSync(logFile, '')
  mkdirSync(cwd)
  const childEnv: NodeJS.ProcessEnv = { ...env, NET_GUARD_LOG: logFile }
  delete childEnv.NODE_OPTIONS
  const argv = [...loaderArgs, `--require=${guard}`, child, join(CORPUS, truth.file), cacheDir]
  const [cmd, ...args] = wrap.length > 0 ? [...wrap, process.execPath, ...argv] : [process.execPath, ...argv]
  const proc = spawn(cmd, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', d => { stdout += String(d) })
  proc.stderr.on('data', d => { stderr += String(d) })
  const timer = setTimeout(() => proc.kill('SIGKILL'), 55_000)
  const code = await new Promise<number | null>(resolve => proc.on('close', resolve))
  clearTimeout(timer)
  const run: Run = {
    code,
    stdout,
    stderr,
    guardLog: readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map(l => JSON.parse(l)),
    cwdFiles: readdirSync(cwd),
    cacheFiles: existsSync(cacheDir) ? readdirSync(cacheDir) : []
  }
  rmSync(work, { recursive: true, force: true })
  return run
}

function checkRun (t: Test, run: Run): void {
  t.equal(run.code, 0, 'child succeeded')
  if (run.code !== 0) t.comment(run.stderr.slice(-2000))
  const line = run.stdout.split('\n').find(l => l.startsWith('RESULT '))
  t.ok(line, 'child printed a result')
  const result = JSON.parse(line?.slice(7) ?? '{}') as { text?: string, words?: number }
  t.ok(result.text?.includes(truth.so_ky_hieu), 'OCR read the document number')
  const loaded = run.guardLog.filter(e => e.kind === 'loaded')
  t.ok(loaded.some(e => e.target === 'main'), 'guard active in the main thread')
  t.ok(loaded.filter(e => e.target === 'worker').length >= 2, `guard active in ${loaded.length - 1} worker threads (OCR, analysis)`)
  t.same(run.guardLog.filter(e => e.kind !== 'loaded'), [], 'no fetch, http(s), net or tls call at all')
  t.same(run.cwdFiles, [], 'nothing written to the working directory (no traineddata cache)')
  t.same(run.cacheFiles, [], 'nothing written to the cache directory either')
}

t.test('OCR runs with every network path watched and refused', async t => {
  const connections: string[] = []
  const sockets = new Set<Socket>()
  const proxy = createServer(socket => {
    connections.push(`${socket.remoteAddress}:${socket.remotePort}`)
    sockets.add(socket)
    socket.destroy()
  })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { proxy.close() })
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  const started = performance.now()
  const run = await runChild({ ...process.env, HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: '', no_proxy: '' })
  t.comment(`child (prepare + pool start + OCR) took ${(performance.now() - started).toFixed(0)} ms`)
  checkRun(t, run)
  t.same(connections, [], 'the recording proxy saw no connection')
})

const unshareWorks = spawnSync('unshare', ['-n', 'true']).status === 0
t.test('OCR runs in a network namespace with no network at all', { skip: unshareWorks ? false : 'unshare -n is not permitted here' }, async t => {
  const run = await runChild({ ...process.env }, ['unshare', '-n'])
  checkRun(t, run)
})

t.test('the guard itself sees fetches, also from worker threads (negative control)', async t => {
  const work = mkdtempSync(join(tmpdir(), 'sohoa-guard-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  const logFile = join(work, 'guard.log')
  writeFileSync(logFile, '')
  const script = `
    const { Worker } = require('node:worker_threads')
    fetch('http://example.invalid/main').catch(() => {})
    new Worker("fetch('https://cdn.example.invalid/vie.traineddata.gz').catch(() => {})", { eval: true })`
  const env: NodeJS.ProcessEnv = { ...process.env, NET_GUARD_LOG: logFile }
  delete env.NODE_OPTIONS
  const res = spawnSync(process.execPath, [`--require=${guard}`, '-e', script], { env, encoding: 'utf8', timeout: 20_000 })
  t.equal(res.status, 0)
  const kinds = readFileSync(logFile, 'utf8').trim().split('\n').map(l => JSON.parse(l) as { kind: string, target: string, thread: number })
  t.ok(kinds.some(e => e.kind === 'fetch' && e.thread === 0 && e.target.includes('/main')), 'main-thread fetch recorded')
  t.ok(kinds.some(e => e.kind === 'fetch' && e.thread > 0 && e.target.includes('traineddata')), 'worker-thread fetch recorded')
})
