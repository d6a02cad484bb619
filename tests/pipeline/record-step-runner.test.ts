// The record step runner on a real LevelDB: one run per subject however many jobs it has, steps in their order,
// subjects that are not ready wait (and do not hide ready ones behind them), a failing step is retried.
import t from 'tap'
import { createLogger } from '../../appliance/src/log/index.js'
import { RecordStepRunner, type RecordStep } from '../../appliance/src/pipeline/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

const logger = createLogger('silent')

async function settle (runner: RecordStepRunner, ms = 100): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
  await runner.idle()
}

t.test('coalesced runs, order, waiting subjects, retries', async t => {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  const order: string[] = []
  const ready = new Set<string>(['r_a', 'r_b'])
  let failures = 2
  const steps: RecordStep[] = [
    { name: 'index', run: async (id) => { order.push(`index ${id}`) } },
    { name: 'extract', ready: async (id) => ready.has(id), run: async (id, done) => { order.push(`extract ${id}`); await store.tx().include(done).putRecordJob('index', id).commit() } },
    { name: 'sign', run: async (id) => { if (failures-- > 0) throw new Error('signer busy'); order.push(`sign ${id}`) } }
  ]
  // Waiting subjects first in key order, more than a page of them: r_0… sort before r_a.
  const tx = store.tx()
  for (let i = 0; i < 5; i++) tx.putRecordJob('extract', `r_0${i}`)
  for (let i = 0; i < 3; i++) tx.putRecordJob('extract', 'r_a')
  tx.putRecordJob('extract', 'r_b').putRecordJob('sign', 'r_c')
  await tx.commit()

  const runner = new RecordStepRunner({ store, steps, logger, batch: 3, retryMs: 20 })
  runner.start()
  await settle(runner)
  t.same(order.slice(0, 4), ['extract r_a', 'extract r_b', 'index r_a', 'index r_b'], 'extract before index, once per subject')
  await settle(runner, 200)
  t.ok(order.includes('sign r_c'), 'the failing step ran after its retries')
  t.equal(order.filter(o => o === 'sign r_c').length, 1)
  t.same(runner.status().runs, { segment: 0, extract: 2, sign: 1, package: 0, log: 0, index: 2 })
  t.same(await store.countRecordJobs(), { segment: 0, extract: 5, sign: 0, package: 0, log: 0, index: 0 }, 'only the waiting subjects have jobs left')

  // The awaited change comes: its own job wakes the runner, and all the subject's jobs go in one run.
  ready.add('r_02')
  await store.tx().putRecordJob('extract', 'r_02').commit()
  await settle(runner)
  t.equal(order.filter(o => o === 'extract r_02').length, 1, 'two jobs, one run')
  t.equal((await store.countRecordJobs()).extract, 4)
  await runner.stop()
  await store.tx().putRecordJob('index', 'r_z').commit()
  await settle(runner)
  t.notOk(order.includes('index r_z'), 'a stopped runner runs nothing')
})
