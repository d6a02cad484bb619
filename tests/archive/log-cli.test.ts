import t from 'tap'
import { runVerify } from '../../appliance/src/cli/verify.js'
import { loadConfig } from '../../appliance/src/config/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'
import { archiveRecord, flipFileByte, openArchive } from './log-fixture.js'

function capture (): { io: { out: (s: string) => void, err: (s: string) => void }, out: () => string, err: () => string } {
  let out = ''
  let err = ''
  return { io: { out: s => { out += s }, err: s => { err += s } }, out: () => out, err: () => err }
}

t.test('sohoa verify: exit 0 when intact, 1 naming each failing record; --record logs the check', async t => {
  const dir = await tempDir(t, 'sohoa-verify-cli-')
  // Seeded offline, then closed: the command opens the data directory itself, as on a stopped node.
  const a = await openArchive({ teardown: () => {} }, dir)
  const records = [await archiveRecord(a), await archiveRecord(a)]
  await a.store.close()
  const config = loadConfig({ env: { SOHOA_DATA_DIR: dir, SOHOA_ADMIN_PASSWORD: 'mat-khau-quan-tri', SOHOA_LOG_LEVEL: 'silent' } })

  let c = capture()
  t.equal(await runVerify(config, { progress: true, record: false, io: c.io }), 0, 'intact: exit 0')
  const intact = JSON.parse(c.out())
  t.match(intact, { entries: 2, records: 2, failures: [] })
  t.match(c.err(), /kiểm tra \/ checking tệp \/ files \d+\/\d+/, 'progress on stderr')
  t.match(c.err(), /intact: 2 log entries/)

  const store = await Store.open(dir)
  await flipFileByte(store, records[1].record.pdf!.sha256, 100)
  await store.close()
  c = capture()
  t.equal(await runVerify(config, { progress: false, record: true, io: c.io }), 1, 'a changed byte: exit 1')
  const result = JSON.parse(c.out())
  t.match(result.failures, [{ recordId: records[1].record.id, sha256: records[1].record.pdf!.sha256, problem: 'mismatch' }])
  t.match(result.logged, { seq: 3 }, '--record appended fixity.checked')
  t.match(c.err(), new RegExp(`✗ ${records[1].record.id}: mismatch \\(file ${records[1].record.pdf!.sha256}\\)`), 'the failing record is named')
  t.notMatch(c.err(), records[0].record.id, 'the intact record is not')
  t.notMatch(c.err(), /checking/, '--no-progress')

  // A running appliance holds the store: the command says so instead of reading under it.
  const held = await Store.open(dir)
  t.teardown(async () => await held.close())
  await t.rejects(runVerify(config, { progress: false, record: false, io: capture().io }), { code: 'STORE_LOCKED' })
})
