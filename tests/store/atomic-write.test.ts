import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { writeFileAtomic } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

t.test('writes a new file with the mode asked, replaces an existing one, leaves no temp file', async t => {
  const dir = await tempDir(t)
  const file = join(dir, 'secret.pass')
  t.equal(await writeFileAtomic(file, 'mật khẩu 1', { mode: 0o600 }), true)
  t.equal(await readFile(file, 'utf8'), 'mật khẩu 1', 'a string is written as UTF-8')
  t.equal((await stat(file)).mode & 0o777, 0o600)
  t.equal(await writeFileAtomic(file, Buffer.from('mật khẩu 2'), { mode: 0o600 }), true, 'not exclusive: replaced')
  t.equal(await readFile(file, 'utf8'), 'mật khẩu 2')
  const plain = join(dir, 'plain.bin')
  await writeFileAtomic(plain, new Uint8Array([1, 2, 3]))
  t.equal((await stat(plain)).mode & ~0o640 & 0o777, 0, 'default mode: at most 0640')
  t.same((await readdir(dir)).sort(), ['plain.bin', 'secret.pass'], 'no temp file left behind')
})

t.test('exclusive: created once; racing writers agree on one file, an existing file is never touched', async t => {
  const dir = await tempDir(t)
  const file = join(dir, 'node.key')
  const results = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(async i =>
    await writeFileAtomic(file, `key ${i}`, { mode: 0o600, exclusive: true })))
  t.equal(results.filter(Boolean).length, 1, 'exactly one writer created the file')
  t.equal(await readFile(file, 'utf8'), `key ${results.indexOf(true)}`, 'and the file holds its bytes, whole')
  t.equal(await writeFileAtomic(file, 'another key', { exclusive: true }), false)
  t.equal(await readFile(file, 'utf8'), `key ${results.indexOf(true)}`, 'an existing file is kept as it is')
  t.equal((await stat(file)).mode & 0o777, 0o600)
  t.same(await readdir(dir), ['node.key'], 'the temp names of winner and losers are gone')
})

t.test('tempDir: the temp file goes there; a failed write removes it and rejects with the file system\'s error', async t => {
  const root = await tempDir(t)
  const tmp = join(root, 'tmp')
  await mkdir(tmp)
  await mkdir(join(root, 'ab'))
  t.equal(await writeFileAtomic(join(root, 'ab', 'x'), 'bytes', { tempDir: tmp }), true)
  t.equal(await readFile(join(root, 'ab', 'x'), 'utf8'), 'bytes')
  t.same(await readdir(tmp), [])
  // The target's folder is missing: the rename fails after the temp file was written.
  await t.rejects(writeFileAtomic(join(root, 'missing', 'y'), 'bytes', { tempDir: tmp }), { code: 'ENOENT' })
  t.same(await readdir(tmp), [], 'the temp file of the failed write is removed')
  await t.rejects(writeFileAtomic(join(root, 'missing', 'z'), 'bytes', { exclusive: true }), { code: 'ENOENT' })
})

t.test('a reader never sees a half-written file while it is replaced', async t => {
  const dir = await tempDir(t)
  const file = join(dir, 'page')
  const a = Buffer.alloc(2 << 20, 0x61)
  const b = Buffer.alloc(3 << 20, 0x62)
  await writeFile(file, a)
  let stop = false
  let reads = 0
  const reader = (async () => {
    while (!stop) {
      const seen = await readFile(file)
      reads++
      if (!seen.equals(a) && !seen.equals(b)) throw new Error(`a torn read of ${seen.length} bytes`)
    }
  })()
  for (let i = 0; i < 10; i++) await writeFileAtomic(file, i % 2 === 0 ? b : a)
  stop = true
  await reader
  t.ok(reads > 0, `${reads} whole reads during 10 replacements`)
})
