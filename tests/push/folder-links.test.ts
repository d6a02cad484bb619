// Issue 15, item 13: watched folders never follow symlinks. done/ or failed/ replaced by a link to another folder
// receive nothing through it (no file moved out, no reason file written there); a watched file that is a link is
// never read; a file swapped for a link is read through a no-follow open, which refuses it.
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import t from 'tap'
import type { WatchFolderConfig } from '../../appliance/src/config/index.js'
import { FolderWatcher, type FolderResult } from '../../appliance/src/push/index.js'
import { readNoFollow } from '../../appliance/src/push/folder-files.js'
import { corpusJpeg, countRecords, openHarness, silent, waitFor, type Harness } from './setup.js'

function watch (h: Harness, path: string, results: FolderResult[]): FolderWatcher {
  const folder: WatchFolderConfig = { path, unit: '622', intervalMs: 40, stableMs: 200 }
  const watcher = new FolderWatcher({ folder, intake: h.intake, logger: silent, maxUploadBytes: 1 << 20, retryAfterMs: 100, onResult: r => { results.push(r) } })
  h.cleanup(async () => { await watcher.stop() })
  watcher.start()
  return watcher
}

t.test('watched folders and symlinks', async t => {
  const h = await openHarness(t)
  const jpeg = await corpusJpeg(0)

  await t.test('done/ as a link elsewhere: the file is taken but never moved through the link', async t => {
    const dir = join(h.dir, 'w1')
    const elsewhere = join(h.dir, 'elsewhere1')
    await mkdir(dir)
    await mkdir(elsewhere)
    await symlink(elsewhere, join(dir, 'done'))
    const results: FolderResult[] = []
    watch(h, dir, results)
    await writeFile(join(dir, 'a.jpg'), jpeg)
    await waitFor(() => results.length > 0, 5000, 'the file to be taken')
    await delay(300)
    t.same(await readdir(elsewhere), [], 'nothing went through the link')
    t.same((await readdir(dir)).sort(), ['a.jpg', 'done'], 'the file stays in the watched folder')
  })

  await t.test('failed/ as a link elsewhere: no reason file is written through it', async t => {
    const dir = join(h.dir, 'w2')
    const elsewhere = join(h.dir, 'elsewhere2')
    await mkdir(dir)
    await mkdir(elsewhere)
    await symlink(elsewhere, join(dir, 'failed'))
    const results: FolderResult[] = []
    watch(h, dir, results)
    await writeFile(join(dir, 'broken.jpg'), Buffer.from('not a jpeg at all'))
    await waitFor(() => results.some(r => r.outcome === 'refused'), 5000, 'the refusal')
    await delay(300)
    t.same(await readdir(elsewhere), [], 'nothing written or moved through the link')
    t.same((await readdir(dir)).sort(), ['broken.jpg', 'failed'])
  })

  await t.test('a watched name that is a link is never read', async t => {
    const dir = join(h.dir, 'w3')
    const secret = join(h.dir, 'secret.jpg')
    await mkdir(dir)
    await writeFile(secret, await corpusJpeg(1))
    await symlink(secret, join(dir, 'innocent.jpg'))
    const before = await countRecords(h.store)
    const results: FolderResult[] = []
    watch(h, dir, results)
    await delay(600)
    t.same(results, [], 'not taken')
    t.equal(await countRecords(h.store), before)
    await t.rejects(readNoFollow(join(dir, 'innocent.jpg')), { code: 'ELOOP' }, 'the no-follow read a swapped file would meet refuses the link')
    t.equal((await readNoFollow(secret)).bytes.length > 0, true, 'while a real file reads')
  })
})
