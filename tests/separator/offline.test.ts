import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderSeparatorSheets } from '../../appliance/src/separator/index.js'
import { tempDir } from '../helpers/tmp.js'
import { SHEETS, rasterise } from './helpers.js'

const here = fileURLToPath(new URL('.', import.meta.url))
// The OCR offline test's guard: records and refuses every fetch, http(s), net and tls use, in every thread.
const guard = join(here, '..', 'ocr', 'fixtures', 'net-guard.cjs')
const child = join(here, 'fixtures', 'offline-child.ts')
const loaderArgs = process.execArgv.filter(a => a.includes('@tapjs/typescript'))
const root = join(here, '..', '..')

interface GuardEntry { kind: string, target: string, thread: number }

async function runGuarded (t: Test, args: string[], wrap: string[] = []): Promise<{ code: number | null, stdout: string, stderr: string, log: GuardEntry[] }> {
  const dir = await tempDir(t, 'sohoa-sep-offline-')
  const logFile = join(dir, 'guard.log')
  writeFileSync(logFile, '')
  const env: NodeJS.ProcessEnv = { ...process.env, NET_GUARD_LOG: logFile }
  delete env.NODE_OPTIONS
  const argv = [`--require=${guard}`, ...args]
  const [cmd, ...rest] = [...wrap, process.execPath, ...argv]
  const proc = spawn(cmd, rest, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', d => { stdout += String(d) })
  proc.stderr.on('data', d => { stderr += String(d) })
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>(resolve => proc.on('close', resolve))
  clearTimeout(timer)
  const log = readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map(l => JSON.parse(l) as GuardEntry)
  return { code, stdout, stderr, log }
}

let sheetFile = ''
t.before(async () => {
  const dir = await tempDir(t, 'sohoa-sep-offline-')
  const [image] = await rasterise(await renderSeparatorSheets([SHEETS[0]], { language: 'vi' }), 200, dir)
  sheetFile = join(dir, 'sheet.jpg')
  writeFileSync(sheetFile, image)
})

async function checkDetects (t: Test, wrap: string[] = []): Promise<void> {
  const run = await runGuarded(t, [...loaderArgs, child, sheetFile], wrap)
  t.equal(run.code, 0, 'child succeeded')
  if (run.code !== 0) t.comment(run.stderr.slice(-2000))
  const line = run.stdout.split('\n').find(l => l.startsWith('RESULT '))
  t.same(JSON.parse(line?.slice(7) ?? 'null'), SHEETS[0], 'the sheet was read')
  const loaded = run.log.filter(e => e.kind === 'loaded')
  t.ok(loaded.some(e => e.target === 'main'), 'guard active in the main thread')
  t.ok(loaded.some(e => e.target === 'worker'), 'guard active in the QR thread')
  t.same(run.log.filter(e => e.kind !== 'loaded'), [], 'no fetch, http(s), net or tls call at all')
}

t.test('the QR reader loads its wasm from node_modules: no network use in any thread', async t => {
  await checkDetects(t)
})

const unshareWorks = spawnSync('unshare', ['-n', 'true']).status === 0
t.test('and works in a network namespace with no network at all', { skip: unshareWorks ? false : 'unshare -n is not permitted here' }, async t => {
  await checkDetects(t, ['unshare', '-n'])
})

t.test('negative control: zxing left to its defaults does fetch the wasm, and the guard sees it', async t => {
  const script = `import { readBarcodes } from 'zxing-wasm/reader'
    try { await readBarcodes(new Uint8Array([1, 2, 3])) } catch {}`
  const run = await runGuarded(t, ['--input-type=module', '-e', script])
  t.ok(run.log.some(e => e.kind === 'fetch' && e.target.includes('zxing_reader.wasm')), 'the CDN fetch of zxing_reader.wasm was recorded')
})
