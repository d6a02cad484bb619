import t from 'tap'
import { WorkerThread } from '../../appliance/src/workers/index.js'
import type { TestReply, TestRequest } from './fixtures/test-worker.js'

// One helper through the whole file, subtests in order: under the test runner each new thread loads the TypeScript
// loader (~1.5 s), so the file starts only the threads the behaviour needs (four).
const thread = new WorkerThread<TestRequest, TestReply>(new URL('./fixtures/test-worker.js', import.meta.url), 'test')
t.teardown(async () => await thread.close())
let lastThreadId = -1

t.test('answers each request by its id, on one thread, even out of order', async t => {
  const answers = await Promise.all([
    thread.request({ op: 'echo', value: 'slow', delayMs: 60 }),
    thread.request({ op: 'echo', value: 'fast' }),
    thread.request({ op: 'echo', value: 'middle', delayMs: 20 })
  ])
  t.same(answers.map(a => a.value), ['slow', 'fast', 'middle'])
  t.equal(new Set(answers.map(a => a.threadId)).size, 1, 'one thread for all')
  lastThreadId = answers[0].threadId
})

t.test('an error reply rejects that request only; the thread lives on', async t => {
  await t.rejects(thread.request({ op: 'fail', value: 'x' }), { message: 'asked to fail: x' })
  t.equal((await thread.request({ op: 'echo', value: 'b' })).threadId, lastThreadId, 'same thread')
})

t.test('a thread that throws: its pending requests reject, the next request starts a new thread', async t => {
  const held = thread.request({ op: 'hang' })
  await t.rejects(thread.request({ op: 'throw' }), { message: 'boom in the worker' })
  await t.rejects(held, { message: 'boom in the worker' }, 'every request the dead thread held')
  // At once, before the dead thread's 'exit' event: that event must not fail the new thread's request.
  const next = await thread.request({ op: 'echo', value: 'again' })
  t.equal(next.value, 'again')
  t.not(next.threadId, lastThreadId, 'a new thread')
  lastThreadId = next.threadId
})

t.test('a thread that exits: its requests reject with the exit code, the next request works', async t => {
  await t.rejects(thread.request({ op: 'exit' }), { message: 'test thread exited (code 7)' })
  const next = await thread.request({ op: 'echo', value: 'b' })
  t.equal(next.value, 'b')
  t.not(next.threadId, lastThreadId, 'a new thread')
  lastThreadId = next.threadId
})

t.test('close while requests are pending rejects them; a later request starts a new thread', async t => {
  const held = thread.request({ op: 'hang' })
  const slow = thread.request({ op: 'echo', value: 'never', delayMs: 5_000 })
  await thread.close()
  await t.rejects(held, { message: 'test thread exited (code 1)' })
  await t.rejects(slow, { message: 'test thread exited (code 1)' })
  await thread.close()
  t.pass('closing twice is harmless')
  const next = await thread.request({ op: 'echo', value: 'c' })
  t.equal(next.value, 'c')
  t.not(next.threadId, lastThreadId, 'a new thread')
})
