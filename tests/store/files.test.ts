import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { FileStore } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

t.test('content-addressed: named by SHA-256, fanned out, stored once', async t => {
  const root = await tempDir(t)
  const files = new FileStore(root)
  await files.init()
  const bytes = Buffer.from('trang quét số 1')
  const first = await files.put(bytes)
  t.equal(first.sha256, FileStore.hash(bytes))
  t.equal(first.existed, false)
  t.equal(files.path(first.sha256), join(root, first.sha256.slice(0, 2), first.sha256.slice(2, 4), first.sha256))
  t.same(await readFile(files.path(first.sha256)), bytes)
  const again = await files.put(Buffer.from(bytes))
  t.equal(again.existed, true)
  t.same(await readdir(join(root, 'tmp')), [], 'no temp file left behind')
  t.ok(await files.verify(first.sha256))
  await writeFile(files.path(first.sha256), 'tampered')
  t.notOk(await files.verify(first.sha256), 'a changed byte is found')
})

t.test('init sweeps temp files a crash left behind', async t => {
  const root = await tempDir(t)
  const files = new FileStore(root)
  await files.init()
  await writeFile(join(root, 'tmp', 'abc.partial'), 'half a page')
  await new FileStore(root).init()
  t.same(await readdir(join(root, 'tmp')), [])
})

t.test('refuses names that are not SHA-256 digests (no path tricks)', async t => {
  const files = new FileStore(await tempDir(t))
  t.throws(() => files.path('../../etc/passwd'), { code: 'VALIDATION' })
})
