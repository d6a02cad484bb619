/**
 * Tables the province sends down, on a real store: the result-type table is taken only when newer, kept across
 * restarts, applied in place (the archiver holding the table sees it), and refused when malformed.
 */
import t from 'tap'
import { loadResultTypes } from '../../appliance/src/records/index.js'
import { loadTakenResultTypes, resultTypesToSend, resultTypesToTake } from '../../appliance/src/replica/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

t.test('result-type table: newer wins, kept, applied in place, malformed refused', async t => {
  const dir = await tempDir(t)
  const store = await Store.open(dir)
  t.teardown(async () => await store.close())
  const live = loadResultTypes()
  const shipped = live.version
  const provinceTable = { ...loadResultTypes(), version: shipped + 5, default: '10y' as const }
  const [sent] = await resultTypesToSend(provinceTable)()
  t.match(sent, { name: 'result-types', version: shipped + 5 })

  const take = resultTypesToTake(store, live)
  t.equal(await take.version(), shipped)
  await take.apply(sent.document)
  t.equal(live.version, shipped + 5, 'the object the archiver holds changed in place')
  t.equal(live.default, '10y')
  await take.apply({ ...provinceTable, version: shipped + 1, default: 'permanent' })
  t.equal(live.default, '10y', 'an older table changes nothing')
  await t.rejects(take.apply({ ...provinceTable, version: shipped + 9, default: 'forever' }), { code: 'VALIDATION' })

  const afterRestart = loadResultTypes()
  await loadTakenResultTypes(store, afterRestart)
  t.equal(afterRestart.version, shipped + 5, 'the taken table survives a restart')
  t.equal(afterRestart.default, '10y')
})
