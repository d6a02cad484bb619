// Watched folders on a real disk with a real intake: a slowly written file is taken once and whole, refused files
// go to failed/ with their reason, a crash between commit and move is harmless, and nothing is re-taken or lost.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import t from 'tap'
import type { WatchFolderConfig } from '../../appliance/src/config/index.js'
import { FolderWatcher, type FolderResult } from '../../appliance/src/push/index.js'
import { countRecords, corpusJpeg, openHarness, sha256, silent, storedSha, waitFor, type Harness } from './setup.js'

const STABLE_MS = 300
const INTERVAL_MS = 40

function watch (h: Harness, path: string, results: FolderResult[], unit = '622'): FolderWatcher {
  const folder: WatchFolderConfig = { path, unit, intervalMs: INTERVAL_MS, stableMs: STABLE_MS }
  const watcher = new FolderWatcher({ folder, intake: h.intake, logger: silent, maxUploadBytes: 1 << 20, retryAfterMs: 100, onResult: r => { results.push(r) } })
  h.cleanup(async () => { await watcher.stop() })
  watcher.start()
  return watcher
}

async function folderIn (h: Harness, name: string): Promise<string> {
  const path = join(h.dir, name)
  await mkdir(path)
  return path
}

t.test('watched folders', async t => {
  const h = await openHarness(t)
  const jpeg = await corpusJpeg(0)

  await t.test('a file written slowly in pieces is taken once, whole', async t => {
    const dir = await folderIn(h, 'slow')
    const results: FolderResult[] = []
    const watcher = watch(h, dir, results)
    const file = await open(join(dir, 'Tran Thi B.jpg'), 'w')
    const pieces = 5
    const step = Math.ceil(jpeg.length / pieces)
    const started = Date.now()
    for (let i = 0; i < pieces; i++) {
      await file.write(jpeg.subarray(i * step, (i + 1) * step))
      await delay(STABLE_MS / 2) // each pause shorter than stableMs, the whole write much longer
    }
    await file.close()
    t.ok(Date.now() - started > STABLE_MS, 'the write took longer than stableMs')
    await waitFor(() => results.length > 0, 5000, 'the file to be taken')
    await delay(STABLE_MS * 2) // time enough for a second take, if there were one
    t.same(results.map(r => r.outcome), ['accepted'], 'taken exactly once')
    t.equal(await storedSha(h.store, '622', jpeg), sha256(jpeg), 'the record holds the whole file')
    t.same(await readdir(dir), ['done'], 'moved out of the watched folder')
    t.equal(sha256(await readFile(join(dir, 'done', 'Tran Thi B.jpg'))), sha256(jpeg), 'kept whole in done/ under its name')
    t.notOk(existsSync(join(dir, 'failed')), 'nothing refused on the way')

    // The same name again (another scan): done/ keeps both.
    const other = await corpusJpeg(1)
    await writeFile(join(dir, 'Tran Thi B.jpg'), other)
    await waitFor(() => results.length === 2, 5000, 'the second file')
    t.same((await readdir(join(dir, 'done'))).sort(), ['Tran Thi B-1.jpg', 'Tran Thi B.jpg'], 'a suffix, not an overwrite')
    t.equal(sha256(await readFile(join(dir, 'done', 'Tran Thi B-1.jpg'))), sha256(other))
    await watcher.stop()
  })

  await t.test('refused files go to failed/ with a reason in Vietnamese and English', async t => {
    const before = await countRecords(h.store)
    const dir = await folderIn(h, 'refused')
    await writeFile(join(dir, 'ghi chu.jpg'), 'không phải ảnh / not an image\n')
    await writeFile(join(dir, 'half.jpg'), jpeg.subarray(0, jpeg.length >> 1))
    await writeFile(join(dir, 'empty.png'), '')
    const results: FolderResult[] = []
    const watcher = watch(h, dir, results)
    await waitFor(() => results.length === 3, 5000, 'three refusals')
    await watcher.stop()
    t.same(results.map(r => r.outcome), ['refused', 'refused', 'refused'])
    t.same((await readdir(dir)).sort(), ['failed'], 'nothing left in the folder, nothing deleted')
    t.same((await readdir(join(dir, 'failed'))).sort(), [
      'empty.png', 'empty.png.reason.txt', 'ghi chu.jpg', 'ghi chu.jpg.reason.txt', 'half.jpg', 'half.jpg.reason.txt'
    ])
    const reason = await readFile(join(dir, 'failed', 'half.jpg.reason.txt'), 'utf8')
    t.match(reason, /Lý do: Ảnh bị cắt cụt/, 'Vietnamese reason')
    t.match(reason, /Reason: The image is truncated/, 'English reason')
    t.match(reason, /IMAGE_TRUNCATED/)
    t.match(await readFile(join(dir, 'failed', 'empty.png.reason.txt'), 'utf8'), /EMPTY_BODY/)
    t.equal((await readFile(join(dir, 'failed', 'half.jpg'))).length, jpeg.length >> 1, 'the refused file is kept as it was')
    t.equal(await countRecords(h.store), before, 'nothing stored')
  })

  await t.test('a crash between the intake commit and the move is harmless', async t => {
    const dir = await folderIn(h, 'crash')
    const page = await corpusJpeg(2)
    await writeFile(join(dir, 'scan-0007.jpg'), page)
    // The state a crash leaves: intake committed the file, the watcher died before moving it.
    const first = await h.intake.accept({ unit: '622', bytes: page, filename: 'scan-0007.jpg', source: 'folder' })
    const before = await countRecords(h.store)
    const results: FolderResult[] = []
    const watcher = watch(h, dir, results) // the restart
    await waitFor(() => results.length === 1, 5000, 'the file to be taken again')
    await watcher.stop()
    t.same(results[0], { unit: '622', outcome: 'duplicate', recordId: first.recordId }, 'intake answers "already there"')
    t.same(await readdir(dir), ['done'], 'and the file moves on to done/')
    t.ok(existsSync(join(dir, 'done', 'scan-0007.jpg')))
    t.equal(await countRecords(h.store), before, 'no second record')
  })

  await t.test('done/, failed/, hidden and temporary files are never taken', async t => {
    const before = await countRecords(h.store)
    const dir = await folderIn(h, 'ignored')
    await mkdir(join(dir, 'done'))
    await mkdir(join(dir, 'failed'))
    await mkdir(join(dir, 'subfolder'))
    const names = ['done/old.jpg', 'failed/old.jpg', 'subfolder/deep.jpg', '.hidden.jpg', 'scan.jpg.part', '~$scan.jpg', 'scan.tmp', 'Thumbs.db']
    for (const [i, name] of names.entries()) await writeFile(join(dir, name), await corpusJpeg(3 + i))
    const results: FolderResult[] = []
    const watcher = watch(h, dir, results)
    await delay(STABLE_MS * 4)
    await watcher.stop()
    t.same(results, [], 'nothing taken')
    t.equal(await countRecords(h.store), before, 'nothing stored')
    for (const name of names) t.ok(existsSync(join(dir, name)), `${name} left where it was`)
  })

  await t.test('when intake cannot take a file for reasons not its own, the file stays put', async t => {
    const dir = await folderIn(h, 'unknown-unit')
    await writeFile(join(dir, 'scan.jpg'), jpeg)
    const results: FolderResult[] = []
    const watcher = watch(h, dir, results, '99999')
    await waitFor(() => results.length >= 2, 5000, 'two attempts')
    await watcher.stop()
    t.same(results[0], { unit: '99999', outcome: 'deferred', code: 'UNKNOWN_UNIT' })
    t.same(await readdir(dir), ['scan.jpg'], 'neither moved nor deleted')
    t.equal(createHash('sha256').update(await readFile(join(dir, 'scan.jpg'))).digest('hex'), sha256(jpeg), 'untouched')
  })

  await t.test('a folder that is missing at start is watched once it appears', async t => {
    const dir = join(h.dir, 'late-mount')
    const results: FolderResult[] = []
    const watcher = watch(h, dir, results)
    await delay(INTERVAL_MS * 3)
    await mkdir(dir)
    const page = await corpusJpeg(12)
    await writeFile(join(dir, 'a.jpg'), page)
    await waitFor(() => results.length === 1, 5000, 'the file in the late folder')
    await watcher.stop()
    t.equal(results[0].outcome, 'accepted')
    t.equal(await storedSha(h.store, '622', page), sha256(page))
  })
})
