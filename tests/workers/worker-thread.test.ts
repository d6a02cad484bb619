import t from 'tap'
import { WorkerThread } from '../../appliance/src/workers/index.js'
import type { TestReply, TestRequest } from './fixtures/test-worker.js'

// One helper through the first part of the file, one with every option through the second, subtests in order: under
// the test runner each new thread loads the TypeScript loader (~1.5 s), so the file starts only the threads the
// behaviour needs (six).
const entry = new URL('./fixtures/test-worker.js', import.meta.url)
const thread = new WorkerThread<TestRequest, TestReply>(entry, 'test')
t.teardown(async () => await thread.close())
let lastThreadId = -1

t.test('answers each request by its id, on one thread, even out of order', async t => {
  t.notOk(thread.isRunning, 'no thread before the first request')
  const answers = await Promise.all([
    thread.request({ op: 'echo', value: 'slow', delayMs: 60 }),
    thread.request({ op: 'echo', value: 'fast' }),
    thread.request({ op: 'echo', value: 'middle', delayMs: 20 })
  ])
  t.same(answers.map(a => a.value), ['slow', 'fast', 'middle'])
  t.equal(new Set(answers.map(a => a.threadId)).size, 1, 'one thread for all')
  t.ok(thread.isRunning)
  lastThreadId = answers[0].threadId
})

t.test('an error reply rejects that request only; the thread lives on', async t => {
  await t.rejects(thread.request({ op: 'fail', value: 'x' }), { message: 'asked to fail: x' })
  t.equal((await thread.request({ op: 'echo', value: 'b' })).threadId, lastThreadId, 'same thread')
})

t.test('a request that cannot be sent rejects at once and holds nothing', async t => {
  const notCloneable = (() => 'x') as unknown as string
  await t.rejects(thread.request({ op: 'echo', value: notCloneable }), { name: 'DataCloneError' })
  t.equal((await thread.request({ op: 'echo', value: 'b' })).threadId, lastThreadId, 'same thread')
})

t.test('a thread that throws: its pending requests reject, the next request starts a new thread', async t => {
  const held = thread.request({ op: 'hang' })
  await t.rejects(thread.request({ op: 'throw' }), { message: 'boom in the worker' })
  await t.rejects(held, { message: 'boom in the worker' }, 'every request the dead thread held')
  t.notOk(thread.isRunning, 'a dead thread is not running')
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
  t.notOk(thread.isRunning)
  await t.rejects(held, { message: 'test thread exited (code 1)' })
  await t.rejects(slow, { message: 'test thread exited (code 1)' })
  await thread.close()
  t.pass('closing twice is harmless')
  const next = await thread.request({ op: 'echo', value: 'c' })
  t.equal(next.value, 'c')
  t.not(next.threadId, lastThreadId, 'a new thread')
})

// The options. The timeout counts from sending, thread start included: 8 s leaves a cold start (~1.5 s, 4 s seen) room even
// on a loaded machine, and is the one wait this file makes.
const TIMEOUT_MS = 8_000
const crashes: Array<{ message: string, code: unknown, pendingCount: number }> = []
const guarded = new WorkerThread<TestRequest, TestReply>(entry, 'guarded', {
  // The TypeScript loader alone needs ~40 MB of heap; the fixture's 'allocate' wants 512 MB.
  resourceLimits: { maxOldGenerationSizeMb: 128 },
  timeoutMs: TIMEOUT_MS,
  onTimeout: request => new Error(`no answer to ${request.op}`),
  replyError: error => typeof error === 'string' ? new Error(error) : Object.assign(new Error(`refused: ${error.reason}`), { code: error.code }),
  crashError: (err, pendingCount) => {
    crashes.push({ message: err.message, code: (err as NodeJS.ErrnoException).code, pendingCount })
    return new Error(`crashed holding ${pendingCount}`, { cause: err })
  }
})
t.teardown(async () => await guarded.close())

t.test('a request past the timeout rejects with onTimeout and ends its stuck thread; the next request gets a new one', async t => {
  const stuckThread = (await guarded.request({ op: 'echo', value: 'up' })).threadId
  const turns = new Int32Array(new SharedArrayBuffer(4))
  const started = Date.now()
  const spin = guarded.request({ op: 'spin', turns })
  // Queued behind the spin on the same thread: they fail with it, as a crash, not each as a timeout of its own.
  const queued = [guarded.request({ op: 'echo', value: 'q1' }), guarded.request({ op: 'echo', value: 'q2' })]
  await t.rejects(spin, { message: 'no answer to spin' })
  const waited = Date.now() - started
  t.ok(waited >= TIMEOUT_MS - 50 && waited < TIMEOUT_MS + 4_000, `rejected after the timeout (${waited} ms)`)
  t.notOk(guarded.isRunning, 'the stuck thread is given up at once')
  for (const q of queued) await t.rejects(q, { message: 'crashed holding 2' }, 'what it held fails through crashError')
  const terminated = `guarded thread terminated: a request got no answer in ${TIMEOUT_MS} ms`
  t.same(crashes, [{ message: terminated, code: undefined, pendingCount: 2 }, { message: terminated, code: undefined, pendingCount: 2 }])
  crashes.length = 0
  // Terminated: its loop stops turning (a live one turns millions of times in 200 ms).
  await new Promise(resolve => setTimeout(resolve, 300))
  const before = Atomics.load(turns, 0)
  await new Promise(resolve => setTimeout(resolve, 200))
  t.ok(before > 0, 'it did spin')
  t.equal(Atomics.load(turns, 0), before, 'the stuck thread no longer runs')
  const next = await guarded.request({ op: 'echo', value: 'fresh' })
  t.equal(next.value, 'fresh')
  t.not(next.threadId, stuckThread, 'a new thread')
  t.same(crashes, [], 'the terminated thread\'s exit fails nothing of its successor')
  lastThreadId = next.threadId
})

t.test('a structured error reply maps through replyError; the thread lives on', async t => {
  await t.rejects(guarded.request({ op: 'refuse', value: 'not today' }), { message: 'refused: not today', code: 'TEST_REFUSED' })
  await t.rejects(guarded.request({ op: 'fail', value: 'y' }), { message: 'asked to fail: y' })
  t.equal((await guarded.request({ op: 'echo', value: 'b' })).threadId, lastThreadId, 'same thread')
  t.same(crashes, [], 'no crash')
})

t.test('resourceLimits reach the thread: past its heap cap it dies out of memory, blamed on the one request', async t => {
  await t.rejects(guarded.request({ op: 'allocate' }), { message: 'crashed holding 1' })
  t.equal(crashes.length, 1, 'crashError once')
  t.equal(crashes[0].code, 'ERR_WORKER_OUT_OF_MEMORY')
  t.equal(crashes[0].pendingCount, 1, 'one request in flight')
  t.notOk(guarded.isRunning)
})
