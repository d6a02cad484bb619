// Issue 15, item 13: names from the node (unit code, archive id) cannot make `sohoa export` write outside its
// folder. The client here answers as a node holding hostile records would; the writing is the real one, on disk.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { exportPackages, packagePath } from '../../appliance/src/cli/export.js'
import type { ApiClient } from '../../appliance/src/cli/client.js'
import { tempDir } from '../helpers/tmp.js'

t.test('unit codes and archive ids that would leave the folder are refused', async t => {
  const root = await tempDir(t)
  const out = join(root, 'backup')
  const records = [
    { id: 'r_1', unit: '..', archiveId: 'SH-622-1' },
    { id: 'r_2', unit: '622', archiveId: '../../escaped' },
    { id: 'r_3', unit: '../x', archiveId: 'SH-622-3' },
    { id: 'r_4', unit: '.', archiveId: 'SH-622-4' },
    { id: 'r_5', unit: '622', archiveId: 'SH-622-5' }
  ]
  const asked: string[] = []
  const client: ApiClient = {
    mode: 'offline',
    close: async () => {},
    request: async (_method: string, url: string) => {
      asked.push(url)
      if (url.startsWith('/api/v1/records?')) return { status: 200, body: { records, next: null } } as any
      return { status: 200, body: Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1') } as any
    }
  }
  const summary = await exportPackages(client, out)
  t.equal(summary.exported, 1, 'only the safe record is written')
  t.same(summary.failed.map(f => f.recordId), ['r_1', 'r_2', 'r_3', 'r_4'])
  t.ok(summary.failed.every(f => /safe file name/.test(f.reason)))
  t.same(asked.filter(u => u.includes('package.zip')), ['/api/v1/records/r_5/package.zip'], 'hostile records are not even fetched')
  t.same((await readdir(root)).sort(), ['backup'], 'nothing beside the folder')
  t.same(await readdir(out), ['622'])
  t.same(await readdir(join(out, '622')), ['SH-622-5.zip'])
  t.equal(packagePath(out, '622', 'SH-622-5'), join(out, '622', 'SH-622-5.zip'))
  t.equal(packagePath(out, '62.2', 'SH-1'), join(out, '62.2', 'SH-1.zip'), 'a dot inside a code is fine')
  t.equal(packagePath(out, '622\0', 'x'), null)
})
