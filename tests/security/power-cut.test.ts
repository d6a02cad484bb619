/**
 * Issue 15, item 14: durability under power loss, not only kill -9. SIGKILL keeps the page cache, so a crash test
 * cannot see a missing fsync; this one records the real node's syscalls (strace) while a page goes through intake
 * and the prepare step, then replays them against a power-cut model, the way ALICE-style crash checkers do: after a
 * power cut, a file's bytes survive only if the file was fsynced, and a name (create, rename, mkdir) only if its
 * folder was fsynced after it. At every LevelDB sync (a commit) the model checks what that commit relies on:
 * - the OCR scratch file the `prepared` stage points to: its bytes and its name, and the folders above it;
 * - every new fan-out folder of the file store (`files/ab/`, `files/ab/cd/`): its name in its parent.
 * A second part drops the scratch file's unsynced content the way a power cut does (empty, cut short) and shows a
 * retry rebuilds it. What it does not cover: LevelDB's own durability (trusted: sync: true), and reordering inside
 * the disk (the model assumes an fsync is a barrier, as ext4 with barriers gives).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { ROOT } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'

interface Call { name: string, args: string, result: string, paths: string[] }

/** strace -f -y lines → completed calls in completion order (an unfinished call counts where it resumes). */
function parse (text: string): Call[] {
  const pending = new Map<string, string>()
  const calls: Call[] = []
  for (const raw of text.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(raw)
    if (!m) continue
    const [, pid, rest] = m
    let line = rest
    if (line.endsWith('<unfinished ...>')) { pending.set(pid, line.slice(0, -'<unfinished ...>'.length)); continue }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(line)
    if (resumed) { line = (pending.get(pid) ?? `${resumed[1]}(`) + resumed[2]; pending.delete(pid) }
    const call = /^(\w+)\((.*)\)\s+=\s+(.*)$/.exec(line)
    if (!call) continue
    const paths = [...call[2].matchAll(/"([^"]*)"/g)].map(x => x[1]).concat([...`${call[2]} ${call[3]}`.matchAll(/<([^<>]+)>/g)].map(x => x[1]))
    calls.push({ name: call[1], args: call[2], result: call[3], paths })
  }
  return calls.filter(c => !c.result.startsWith('-1'))
}

const parentOf = (p: string): string => p.slice(0, p.lastIndexOf('/'))
const fsyncedDir = (c: Call): string | null => (c.name === 'fsync' || c.name === 'fdatasync') ? (/^\d+<([^>]+)>/.exec(c.args)?.[1] ?? null) : null

t.test('the page files, the fan-out folders and the OCR scratch file are durable before the commits that need them', async t => {
  const probe = spawnSync('strace', ['-qq', '-e', 'trace=none', 'true'])
  if (probe.error || probe.status !== 0) { t.plan(0, `strace cannot trace here: ${probe.error?.message ?? probe.stderr.toString()}`); return }
  const child = join(ROOT, 'dist', 'tests', 'security', 'power-cut-child.js')
  if (!existsSync(child)) throw new Error('run `npx tsc -p tsconfig.json` first (the child runs from dist/)')
  const dir = await tempDir(t)
  const dataDir = join(dir, 'data')
  const trace = join(dir, 'trace.txt')
  const run = spawnSync('strace', ['-f', '-y', '-qq', '-s', '300', '-o', trace, '-e', 'trace=openat,mkdir,mkdirat,rename,renameat,renameat2,link,linkat,fsync,fdatasync',
    process.execPath, child, dataDir], { encoding: 'utf8', timeout: 120_000 })
  t.equal(run.status, 0, run.stderr)
  const pageId = /prepared (p_\w+)/.exec(run.stdout)?.[1]
  t.ok(pageId, 'the page was prepared')
  const calls = parse(await readFile(trace, 'utf8'))
  const db = join(dataDir, 'db')
  const dbSyncs = calls.map((c, i) => ({ c, i })).filter(({ c }) => (c.name === 'fsync' || c.name === 'fdatasync') && (fsyncedDir(c) ?? '').startsWith(db + '/')).map(({ i }) => i)
  t.ok(dbSyncs.length > 2, `LevelDB commits seen (${dbSyncs.length})`)
  const nextCommit = (i: number): number => dbSyncs.find(s => s > i) ?? Infinity
  /** Whether `dir` was fsynced strictly between `from` and `to` (a name made at `from` is durable at `to`). */
  const dirSynced = (dirPath: string, from: number, to: number): boolean => calls.some((c, i) => i > from && i < to && fsyncedDir(c) === dirPath)

  // 1. Every folder made under the data directory (fan-out folders, cache/, ocr-input/) reaches its parent's disk
  //    before the next commit: a committed reference must never point into a folder a power cut removes.
  const made = calls.map((c, i) => ({ c, i })).filter(({ c }) => (c.name === 'mkdir' || c.name === 'mkdirat') && c.result.startsWith('0'))
  const watched = made.filter(({ c }) => /\/files\/[0-9a-f]{2}(\/[0-9a-f]{2})?$|\/cache(\/ocr-input)?$/.test(c.paths[c.name === 'mkdir' ? 0 : 1] ?? c.paths[0]))
  t.ok(watched.some(({ c }) => /\/files\/[0-9a-f]{2}\/[0-9a-f]{2}$/.test(c.paths.join(' '))), 'fan-out folders were made in this run')
  for (const { c, i } of watched) {
    const path = c.paths.find(p => p.startsWith(dataDir)) ?? c.paths[0]
    t.ok(dirSynced(parentOf(path), i, nextCommit(i)), `${path.slice(dataDir.length)}: its parent is fsynced before the next commit`)
  }

  // 2. The scratch file: its bytes fsynced, its name in place, its folder fsynced, all before the `prepared` commit.
  const scratch = join(dataDir, 'cache', 'ocr-input', `${pageId!}.png`)
  let placed = -1
  calls.forEach((c, i) => { if (c.paths.includes(scratch) && ['rename', 'renameat', 'renameat2', 'openat', 'link', 'linkat'].includes(c.name)) placed = i })
  t.ok(placed >= 0, 'the scratch file was written')
  const commit = nextCommit(placed)
  t.ok(commit < Infinity, 'the prepared stage was committed after it')
  const tempName = calls[placed].name.startsWith('rename') ? calls[placed].paths.find(p => p !== scratch) : scratch
  t.ok(calls.some((c, i) => i < placed && fsyncedDir(c) === tempName), 'its bytes were fsynced before it took its name')
  t.ok(dirSynced(parentOf(scratch), placed, commit), 'its name was fsynced in its folder before the commit')
})

t.test('a scratch file a power cut emptied or cut short is rebuilt, and the page recognised', async t => {
  const { Store, FileStore } = await import('../../appliance/src/store/index.js')
  const { Records } = await import('../../appliance/src/records/index.js')
  const { createSearchService } = await import('../../appliance/src/search/index.js')
  const { createSteps } = await import('../../appliance/src/pipeline/steps.js')
  const { Intake } = await import('../../appliance/src/intake/index.js')
  const { Units } = await import('../../appliance/src/units/index.js')
  const { default: pino } = await import('pino')
  const dir = await tempDir(t)
  const store = await Store.open(dir)
  t.teardown(async () => await store.close())
  await new Units(store).seed()
  const seenInputs: string[] = []
  const ocr = { recognize: async (input: Buffer) => { seenInputs.push(FileStore.hash(input)); return { text: 'GIẤY PHÉP', confidence: 90, words: [], width: 10, height: 10, ms: 1 } } }
  const steps = await createSteps({ store, records: new Records(store), search: createSearchService(store.searchIndex), ocr: ocr as never, ocrConcurrency: 1, maxPixels: 200_000_000 })
  const [prepare, recognize] = steps
  const intake = new Intake({ store, maxPixels: 200_000_000, logger: pino({ level: 'silent' }) })
  const bytes = await readFile(join(ROOT, 'tests', 'fixtures', 'corpus', '0000.jpg'))
  const { pages: [{ id }] } = await intake.accept({ unit: '622', bytes, source: 'api' })
  const ctx = { logger: pino({ level: 'silent' }) }
  const changes = await prepare.run((await store.getPage(id))!, store.tx(), ctx) as Record<string, unknown>
  const page = { ...(await store.getPage(id))!, ...changes, stage: 'prepared' as const }
  const scratch = join(dir, 'cache', 'ocr-input', `${id}.png`)
  const good = FileStore.hash(await readFile(scratch))
  t.equal(page.ocrInputSha256, good, 'the prepared stage carries the scratch file\'s hash')
  for (const [what, damage] of [['empty', async () => await truncate(scratch, 0)], ['cut short', async () => await truncate(scratch, 1000)], ['gone', async () => await writeFile(scratch, '').then(async () => await import('node:fs/promises').then(async f => await f.rm(scratch)))]] as const) {
    await damage()
    await recognize.run(page, store.tx(), ctx)
    t.equal(seenInputs.at(-1), good, `${what}: rebuilt from the master, the OCR got the full input`)
  }
})
