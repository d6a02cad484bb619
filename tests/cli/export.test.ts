// `sohoa export --packages` on a stopped appliance: every archived record's package lands in <dir>/<unit>/, whole,
// holding the record's own PDF; a second run keeps what is there; a damaged copy is replaced.
import { createHash } from 'node:crypto'
import { readdir, readFile, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { archiveRecord, openArchive } from '../archive/log-fixture.js'
import { sohoa } from '../sync/helpers.js'
import { tempDir } from '../helpers/tmp.js'
import { unzip } from '../helpers/zip.js'

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

t.test('export --packages writes, resumes and repairs', async t => {
  const dataDir = await tempDir(t, 'sohoa-export-')
  const out = await tempDir(t, 'sohoa-export-out-')
  const a = await openArchive(t, dataDir)
  const archived = [await archiveRecord(a), await archiveRecord(a), await archiveRecord(a, { unit: '623' })]
  await a.store.close()
  const env = { SOHOA_DATA_DIR: dataDir, SOHOA_ADMIN_PASSWORD: 'mat-khau-quan-tri' }

  const first = await sohoa(['export', '--packages', out], env)
  t.equal(first.code, 0, first.stderr)
  t.match(JSON.parse(first.stdout), { exported: 3, kept: 0, failed: [] })
  t.same((await readdir(join(out, '622'))).length, 2)
  const file623 = join(out, '623', (await readdir(join(out, '623')))[0])
  t.match(file623, /SH-623-.*\.zip$/, 'named by archive id, in a folder per unit')
  t.same((await readdir(join(out, '622'))).filter(n => n.endsWith('.tmp')), [], 'no temp file left')

  const entries = await unzip(await readFile(file623))
  const pdf = [...entries.entries()].find(([name]) => name.endsWith('.pdf'))
  t.ok(pdf, 'the package holds the signed PDF')
  const stored = archived[2].files.find(f => f.role === 'pdf')!
  t.equal(sha256(pdf![1]), stored.sha256, 'byte for byte the archived PDF')

  const again = await sohoa(['export', '--packages', out], env)
  t.match(JSON.parse(again.stdout), { exported: 0, kept: 3 }, 'a second run keeps what is there')

  await truncate(file623, 100)
  const repaired = await sohoa(['export', '--packages', out, '--unit', '623'], env)
  t.match(JSON.parse(repaired.stdout), { exported: 1, kept: 0 }, 'a damaged (cut) copy is written again; --unit limits the run')
  t.equal(sha256((await unzip(await readFile(file623))).get(pdf![0])!), stored.sha256)
})
