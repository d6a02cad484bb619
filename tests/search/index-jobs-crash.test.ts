/**
 * Durable index updates: a record change and its index job commit in one batch, and a runner drains the jobs. A
 * process changing and deleting records as fast as it can is killed with SIGKILL three times at random moments;
 * then every record is found by its current value, no deleted record and no overwritten value is found, and no job
 * is left, without any reindex. Runs the compiled child (dist/), like the appliance tests.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { ROOT, tempDir } from '../helpers/tmp.js'

const CHILD = join(ROOT, 'dist', 'tests', 'search', 'index-jobs-child.js')
const RECORDS = 40

function run (args: string[], opts: { killAfterLines?: number } = {}): Promise<{ lines: string[], signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    const lines: string[] = []
    let rest = ''
    child.stdout.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n')
      rest = parts.pop()!
      lines.push(...parts)
      if (opts.killAfterLines !== undefined && lines.length >= opts.killAfterLines) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`child exited ${code}`))
      else resolve({ lines, signal })
    })
  })
}

t.test('kill -9 during a burst of record changes: the index agrees with the records after restart', async t => {
  const dir = await tempDir(t, 'sohoa-index-jobs-')
  t.same((await run([dir, 'seed', String(RECORDS)])).lines, ['seeded'])
  let last = 0
  for (let round = 0; round < 3; round++) {
    const burst = await run([dir, 'burst', String(RECORDS)], { killAfterLines: 30 + Math.floor(Math.random() * 120) })
    t.equal(burst.signal, 'SIGKILL', `round ${round} killed mid-burst after ${burst.lines.length} changes`)
    for (const line of burst.lines) last = Math.max(last, Number(line.split(' ')[1]))
  }
  const [json] = (await run([dir, 'check', String(RECORDS), String(last)])).lines
  const out = JSON.parse(json) as { pending: number, documents: number, stale: string[], records: Array<{ id: string, deleted: boolean, word: string, found: string[] }> }
  t.equal(out.pending, 0, 'no index job left')
  for (const r of out.records) {
    if (r.deleted) t.notOk(r.found.includes(r.id), `${r.id} deleted: not found`)
    else t.same(r.found, [r.id], `${r.id} found by its current value ${r.word}`)
  }
  t.same(out.stale, [], 'no overwritten value is still found')
  t.equal(out.documents, out.records.filter(r => !r.deleted).length, 'one document per live record')
})
