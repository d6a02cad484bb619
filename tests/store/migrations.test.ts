/**
 * The layout's migrations run at open, in order, once: a directory written at layout 1 (before the district's
 * replication state moved from meta `sync` to `districtSync`) opens at the current layout with its state under
 * the new name; a migration killed with SIGKILL between its batches runs again at the next open and finishes, each
 * entry changed once; the archive step's jobs become sign jobs (layout 4); newer data is refused. The kill test
 * runs the compiled child (dist/), like the other crash tests.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Level } from 'level'
import t from 'tap'
import { LAYOUT_VERSION, MIGRATIONS, Store } from '../../appliance/src/store/index.js'
import { ROOT, tempDir } from '../helpers/tmp.js'

const CHILD = join(ROOT, 'dist', 'tests', 'store', 'migrations-child.js')
const SUFFIX = ' (đã chuyển)'
const UNITS = 200

const syncState = {
  acked: { seq: 41, hash: 'a'.repeat(64) }, lastSuccess: '2026-11-30T01:00:00.000Z', lastAttempt: '2026-11-30T01:00:00.000Z',
  lastError: null, lastContact: '2026-11-30T01:00:00.000Z', refused: null, bytesSent: 1234
}

/** Writes meta entries straight into LevelDB, as an older sohoa left them. */
async function writeRawMeta (dir: string, entries: Record<string, unknown>): Promise<void> {
  const db = new Level<string, any>(join(dir, 'db'), { valueEncoding: 'json' })
  const meta = db.sublevel<string, any>('meta', { valueEncoding: 'json' })
  for (const [key, value] of Object.entries(entries)) await meta.put(key, value)
  await db.close()
}

async function readRawMeta (dir: string, key: string): Promise<unknown> {
  const db = new Level<string, any>(join(dir, 'db'), { valueEncoding: 'json' })
  const value = await db.sublevel<string, any>('meta', { valueEncoding: 'json' }).get(key)
  await db.close()
  return value
}

function run (args: string[], opts: { killAfterLines?: number } = {}): Promise<{ lines: string[], signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    const lines: string[] = []
    let rest = ''
    child.stdout.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n')
      rest = parts.pop()!
      lines.push(...parts)
      if (opts.killAfterLines !== undefined && lines.length >= opts.killAfterLines) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`child exited ${code}`))
      else resolve({ lines, signal })
    })
  })
}

t.test('a layout-1 directory opens migrated: the replication state reads under its new name, the rest as it was', async t => {
  t.ok(LAYOUT_VERSION >= 2, 'there is a real migration')
  const dir = await tempDir(t)
  await writeRawMeta(dir, { layoutVersion: 1, sync: syncState, catalogueVersion: 5, catalogueOrigin: 'origin-1', filesSweepPending: false })
  const store = await Store.open(dir)
  t.same(await store.getMeta('districtSync'), syncState, 'the state moved')
  t.equal(await store.getMeta('layoutVersion'), LAYOUT_VERSION)
  t.equal(await store.getMeta('catalogueVersion'), 5, 'keys that kept their name read as before')
  t.equal(await store.getMeta('catalogueOrigin'), 'origin-1')
  await store.close()
  t.equal(await readRawMeta(dir, 'sync'), undefined, 'the old key is gone')

  // Opening again runs nothing: a state saved since is not overwritten by a second move.
  const again = await Store.open(dir)
  await again.tx().putMeta('districtSync', { ...syncState, bytesSent: 9999 }).commit()
  await again.close()
  const third = await Store.open(dir)
  t.teardown(() => third.close())
  t.equal((await third.getMeta('districtSync'))?.bytesSent, 9999)
})

t.test('the move is idempotent: a run cut after it wrote keeps the newer state', async t => {
  const dir = await tempDir(t)
  // As if an earlier run's writes but not its version bump had landed (a migration may commit before its end).
  await writeRawMeta(dir, { layoutVersion: 1, sync: syncState, districtSync: { ...syncState, bytesSent: 5000 } })
  const store = await Store.open(dir)
  t.teardown(() => store.close())
  t.equal((await store.getMeta('districtSync'))?.bytesSent, 5000)
  t.equal(await store.getMeta('layoutVersion'), LAYOUT_VERSION)
})

t.test('a layout-1 directory of a province (no replication state) migrates to nothing but the version', async t => {
  const dir = await tempDir(t)
  await writeRawMeta(dir, { layoutVersion: 1 })
  const store = await Store.open(dir)
  t.teardown(() => store.close())
  t.equal(await store.getMeta('districtSync'), undefined)
  t.equal(await store.getMeta('layoutVersion'), LAYOUT_VERSION)
})

t.test('layout 3 to 4: archive jobs become sign jobs, and an approved record with none (left by the in-memory queue) gets one', async t => {
  const dir = await tempDir(t)
  const record = (id: string, status: string, more: Record<string, unknown> = {}): Record<string, unknown> =>
    ({ id, unit: '622', batchId: 'b_1', filename: null, sourceSha256: 'a'.repeat(64), pageIds: ['p_1'], status, createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z', ...more })
  const db = new Level<string, any>(join(dir, 'db'), { valueEncoding: 'json' })
  await db.sublevel<string, any>('meta', { valueEncoding: 'json' }).put('layoutVersion', 3)
  const records = db.sublevel<string, any>('records', { valueEncoding: 'json' })
  for (const r of [record('r_queued', 'approved'), record('r_lost', 'approved'), record('r_signed', 'approved'), record('r_draft', 'draft'),
    record('r_archived', 'archived'), record('r_gone', 'approved', { deleted: { at: 'x', by: 'admin', reason: 'x' } })]) await records.put(r.id as string, r)
  const jobs = db.sublevel<string, any>('recordjobs', { valueEncoding: 'json' })
  await jobs.put('archive!r_queued!00000001.000001', { step: 'archive', subject: 'r_queued', at: 'x' })
  await jobs.put('package!r_signed!00000001.000002', { step: 'package', subject: 'r_signed', at: 'x' })
  await jobs.put('index!r_draft!00000001.000003', { step: 'index', subject: 'r_draft', at: 'x' })
  await db.close()

  const store = await Store.open(dir)
  t.teardown(() => store.close())
  t.equal(await store.getMeta('layoutVersion'), LAYOUT_VERSION)
  t.same(await store.listRecordJobKeys('sign', 'r_queued'), ['sign!r_queued!00000001.000001'], 'the archive job is a sign job, its key otherwise kept')
  t.equal((await store.listRecordJobKeys('sign', 'r_lost')).length, 1, 'the approved record nothing was to archive gets its sign job')
  t.equal((await store.listRecordJobKeys('sign', 'r_signed')).length, 0, 'one already on its way keeps its own job only')
  t.same(await store.countRecordJobs(), { segment: 0, extract: 0, sign: 2, package: 1, log: 0, index: 1 }, 'nothing for drafts, archived or deleted records')
})

t.test('data of a newer layout is refused, and the store is left closed (its lock released)', async t => {
  const dir = await tempDir(t)
  await writeRawMeta(dir, { layoutVersion: LAYOUT_VERSION + 1 })
  await t.rejects(Store.open(dir), { code: 'CONFIG_INVALID' })
  t.equal(await readRawMeta(dir, 'layoutVersion'), LAYOUT_VERSION + 1, 'untouched, and the directory opens again')
})

t.test('migrations must be numbered 2, 3, … without gaps', async t => {
  const dir = await tempDir(t)
  const skip = { version: LAYOUT_VERSION + 2, name: 'gap', up: async () => [] }
  await t.rejects(Store.open(dir, { migrations: [...MIGRATIONS, skip] }), /expected/)
})

t.test('kill -9 during a migration: the next open runs it again and every entry is changed once', async t => {
  const dir = await tempDir(t, 'sohoa-migrate-')
  t.same((await run([dir, 'seed', String(UNITS)])).lines, ['seeded'])
  const cut = await run([dir, 'migrate'], { killAfterLines: 3 + Math.floor(Math.random() * 10) })
  t.equal(cut.signal, 'SIGKILL', `killed after ${cut.lines.length} batches`)
  t.ok(cut.lines.length < UNITS / 10, 'before the migration ended')

  const between = await Store.open(dir)
  t.equal(await between.getMeta('layoutVersion'), LAYOUT_VERSION, 'the version is not bumped before the migration ends')
  let renamed = 0
  for await (const u of between.listUnits()) if (u.name.endsWith(SUFFIX)) renamed++
  t.ok(renamed > 0 && renamed < UNITS, `part done: ${renamed} of ${UNITS}`)
  await between.close()

  const done = await run([dir, 'migrate'])
  t.same(done.lines.at(-1), 'migrated')
  t.equal(done.lines.length - 1, Math.ceil((UNITS - renamed) / 10), 'the second run does only what was left')

  t.equal(await readRawMeta(dir, 'layoutVersion'), LAYOUT_VERSION + 1, 'the version is bumped once it ended')
  await t.rejects(Store.open(dir), { code: 'CONFIG_INVALID' }, 'a sohoa without the test migration now refuses the data')
  const db = new Level<string, any>(join(dir, 'db'), { valueEncoding: 'json' })
  const names: string[] = []
  for await (const u of db.sublevel<string, any>('units', { valueEncoding: 'json' }).values()) names.push(u.name)
  await db.close()
  t.equal(names.length, UNITS)
  t.ok(names.every(n => n.endsWith(SUFFIX) && !n.endsWith(SUFFIX + SUFFIX)), 'every unit renamed exactly once')
})
