/**
 * Replication benchmark: a generated archive (default 10,000 records, about 1 GB of files) replicated from a
 * district to a province, both real nodes in child processes, over loopback: wall time, throughput, CPU seconds of
 * each process, and TCP bytes on the wire divided by payload bytes (from the kernel's per-socket counters, `ss`).
 * Then a smaller archive through a shaped link: the district in a network namespace behind a veth pair with a
 * token-bucket rate of 2 Mbit/s each way and 1 % random loss each way (iptables). This kernel has no netem, so the
 * 200 ms round trip cannot be added; the figure is time against the link's capacity. Needs root for the link.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { api, provinceAddress, register, seedArchive, startNode, type SeedRecord, type SyncNode } from '../sync/helpers.js'

const run = promisify(execFile)

export interface SyncBenchOptions {
  records: number
  /** Master bytes per record (the PDF and the text file add about 2 KB). */
  recordBytes: number
  /** The large-record run (MB/s): records and master bytes. */
  largeRecords: number
  largeRecordBytes: number
  shapedRecords: number
  shapedRecordBytes: number
}

export const DEFAULT_SYNC_BENCH: SyncBenchOptions = { records: 10_000, recordBytes: 100_000, largeRecords: 2_000, largeRecordBytes: 500_000, shapedRecords: 150, shapedRecordBytes: 50_000 }

/** `SOHOA_BENCH_SYNC_RECORDS`, `…_LARGE_RECORDS`, `…_SHAPED_RECORDS` (0 skips a run): shorter runs while developing. */
export function syncBenchFromEnv (env = process.env): Partial<SyncBenchOptions> {
  const n = (name: string): number | undefined => env[name] === undefined ? undefined : Number(env[name])
  const out: Partial<SyncBenchOptions> = {}
  if (n('SOHOA_BENCH_SYNC_RECORDS') !== undefined) out.records = n('SOHOA_BENCH_SYNC_RECORDS')
  if (n('SOHOA_BENCH_SYNC_LARGE_RECORDS') !== undefined) out.largeRecords = n('SOHOA_BENCH_SYNC_LARGE_RECORDS')
  if (n('SOHOA_BENCH_SYNC_SHAPED_RECORDS') !== undefined) out.shapedRecords = n('SOHOA_BENCH_SYNC_SHAPED_RECORDS')
  return out
}

class Cleanup {
  private readonly fns: Array<() => unknown> = []
  teardown (fn: () => unknown): void { this.fns.push(fn) }
  async run (): Promise<void> { for (const fn of this.fns.reverse()) await Promise.resolve(fn()).catch(() => {}) }
}

/** A POST that may take many minutes (fetch gives up on the headers after 300 s). */
async function postNoTimeout (node: SyncNode, path: string): Promise<{ status: number, body: any }> {
  const url = new URL(path, node.url)
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${node.token}` } }, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

async function cpuSeconds (pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in clock ticks of 1/100 s
}

/** TCP bytes the district sent to the province's port (max over the run of the kernel's counters). */
function socketWatcher (port: number, netns?: string): { stop: () => Promise<{ sent: number, received: number }> } {
  let best = { sent: 0, received: 0 }
  let stopped = false
  const poll = async (): Promise<void> => {
    const args = ['-tinH', 'state', 'established', `( dport = :${port} )`]
    const cmd = netns ? ['ip', ['netns', 'exec', netns, 'ss', ...args]] as const : ['ss', args] as const
    const { stdout } = await run(cmd[0], [...cmd[1]]).catch(() => ({ stdout: '' }))
    let sent = 0
    let received = 0
    for (const m of stdout.matchAll(/bytes_acked:(\d+)/g)) sent += Number(m[1])
    for (const m of stdout.matchAll(/bytes_received:(\d+)/g)) received += Number(m[1])
    if (sent > best.sent) best = { sent, received }
  }
  const loop = (async () => { while (!stopped) { await poll(); await new Promise(resolve => setTimeout(resolve, 100)) } })()
  return { stop: async () => { stopped = true; await loop; await poll(); return best } }
}

async function generate (dir: string, records: number, recordBytes: number, unit: string): Promise<{ peerId: string, payload: number, head: number }> {
  const batch: SeedRecord[] = []
  let peerId = ''
  let head = 0
  let payload = 0
  const words = ['quyết định', 'giấy chứng nhận', 'đất', 'hộ kinh doanh', 'xây dựng', 'Pleiku', 'Ia Grai', 'Chư Sê']
  for (let i = 0; i < records; i++) {
    batch.push({ text: `Hồ sơ số ${i}: ${words[i % words.length]} ${words[(i * 7) % words.length]}`, masters: [randomBytes(recordBytes)] })
    if (batch.length === 500 || i === records - 1) {
      const seeded = await seedArchive(dir, unit, batch.splice(0))
      peerId = seeded.peerId
      head = seeded.head
      for (const r of seeded.records) for (const f of r.files) payload += f.size
      for (const e of seeded.entries.slice(-seeded.records.length)) payload += e.envelope.byteLength
    }
  }
  return { peerId, payload, head }
}

async function replicateOnce (district: SyncNode, province: SyncNode, watcherPort: number, netns?: string): Promise<Record<string, number>> {
  const cpu0 = { d: await cpuSeconds(district.child.pid!), p: await cpuSeconds(province.child.pid!) }
  const watcher = socketWatcher(watcherPort, netns)
  const started = performance.now()
  const result = await postNoTimeout(district, '/api/v1/sync/run')
  const seconds = (performance.now() - started) / 1000
  const wire = await watcher.stop()
  if (!result.body?.ok) throw new Error(`replication failed: ${JSON.stringify(result.body)}`)
  const cpu1 = { d: await cpuSeconds(district.child.pid!), p: await cpuSeconds(province.child.pid!) }
  return { seconds, wireSent: wire.sent, wireReceived: wire.received, cpuDistrict: cpu1.d - cpu0.d, cpuProvince: cpu1.p - cpu0.p, entries: result.body.entries, bytes: result.body.bytes }
}

export async function benchSync (dir: string, options: Partial<SyncBenchOptions> = {}): Promise<Record<string, unknown>> {
  const o = { ...DEFAULT_SYNC_BENCH, ...options }
  const figures: Record<string, unknown> = {}
  const cleanup = new Cleanup()
  try {
    // Loopback.
    if (o.records > 0) Object.assign(figures, await loopback(join(dir, 'small'), o.records, o.recordBytes, 'sync', cleanup))
    if (o.largeRecords > 0) Object.assign(figures, await loopback(join(dir, 'large'), o.largeRecords, o.largeRecordBytes, 'sync_large', cleanup))
    if (o.shapedRecords > 0) Object.assign(figures, await shaped(dir, o, cleanup))
    return figures
  } finally {
    await cleanup.run()
  }
}

async function loopback (dir: string, records: number, recordBytes: number, name: string, cleanup: Cleanup): Promise<Record<string, unknown>> {
    const figures: Record<string, unknown> = {}
    const genStarted = performance.now()
    const gen = await generate(join(dir, 'district'), records, recordBytes, '622')
    figures[`${name}_archive`] = `${records} records of ${recordBytes / 1000} KB, ${(gen.payload / 1e6).toFixed(0)} MB (generated in ${((performance.now() - genStarted) / 1000).toFixed(0)} s)`
    const province = await startNode(cleanup, { dataDir: join(dir, 'province'), role: 'province', env: { SOHOA_LOG_LEVEL: process.env.SOHOA_BENCH_LOG_LEVEL ?? 'info' }, ...(process.env.SOHOA_BENCH_PREFIX ? { prefix: [process.env.SOHOA_BENCH_PREFIX] } : {}) })
    if (process.env.SOHOA_BENCH_LOG_LEVEL) cleanup.teardown(() => { process.stderr.write(province.logs.filter(l => l.includes('batch stored')).slice(-5).join('\n') + '\n') })
    const address = await provinceAddress(province)
    const port = Number(/\/tcp\/(\d+)/.exec(address)![1])
    await register(province, gen.peerId, '622')
    const district = await startNode(cleanup, { dataDir: join(dir, 'district'), role: 'district', province: address, schedule: '0 0 1 1 *|1 0 1 1 *' })
    const r = await replicateOnce(district, province, port)
    figures[`${name}_loopback_seconds`] = Number(r.seconds.toFixed(1))
    figures[`${name}_loopback_MB_per_s`] = Number((gen.payload / 1e6 / r.seconds).toFixed(1))
    figures[`${name}_loopback_records_per_s`] = Math.round(records / r.seconds)
    figures[`${name}_cpu_seconds_district`] = Number(r.cpuDistrict.toFixed(1))
    figures[`${name}_cpu_seconds_province`] = Number(r.cpuProvince.toFixed(1))
    figures[`${name}_wire_over_payload`] = Number((r.wireSent / gen.payload).toFixed(4))
    figures[`${name}_wire_both_ways_over_payload`] = Number(((r.wireSent + r.wireReceived) / gen.payload).toFixed(4))
    await district.stop()
    await province.stop()
    return figures
}

async function shaped (dir: string, o: SyncBenchOptions, cleanup: Cleanup): Promise<Record<string, unknown>> {
    const figures: Record<string, unknown> = {}
    if (process.getuid?.() !== 0) {
      figures.sync_shaped = 'skipped: needs root (ip netns, tc, iptables)'
      return figures
    }
    const ns = `sohoa-bench-${process.pid}`
    const [hostIf, nsIf] = [`vsb${process.pid % 10000}a`, `vsb${process.pid % 10000}b`]
    const sh = async (...args: string[]): Promise<void> => { await run(args[0], args.slice(1)) }
    try {
      await sh('ip', 'netns', 'add', ns)
      cleanup.teardown(async () => await sh('ip', 'netns', 'del', ns))
      await sh('ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf)
      cleanup.teardown(async () => await sh('ip', 'link', 'del', hostIf))
      await sh('ip', 'link', 'set', nsIf, 'netns', ns)
      await sh('ip', 'addr', 'add', '10.98.0.1/24', 'dev', hostIf)
      await sh('ip', 'link', 'set', hostIf, 'up')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', '10.98.0.2/24', 'dev', nsIf)
      await sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up')
      for (const [prefix, dev] of [[[], hostIf], [['ip', 'netns', 'exec', ns], nsIf]] as const) {
        await sh(...prefix, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', '2mbit', 'burst', '4kb', 'latency', '400ms')
      }
      for (const [chain, dir] of [['INPUT', '-i'], ['OUTPUT', '-o']]) await sh('ip', 'netns', 'exec', ns, 'iptables', '-A', chain, dir, nsIf, '-m', 'statistic', '--mode', 'random', '--probability', '0.01', '-j', 'DROP')
    } catch (err) {
      figures.sync_shaped = `skipped: ${(err as Error).message.split('\n')[0]}`
      return figures
    }
    const shaped = await generate(join(dir, 'district-shaped'), o.shapedRecords, o.shapedRecordBytes, '623')
    const province2 = await startNode(cleanup, { dataDir: join(dir, 'province-shaped'), role: 'province', env: { SOHOA_P2P_LISTEN: '/ip4/10.98.0.1/tcp/0' } })
    const address2 = (await api(province2, 'GET', '/api/v1/sync/status')).body.listen.find((a: string) => a.includes('10.98.0.1')) as string
    await register(province2, shaped.peerId, '623')
    const district2 = await startNode(cleanup, {
      dataDir: join(dir, 'district-shaped'), role: 'district', host: '10.98.0.2', prefix: ['ip', 'netns', 'exec', ns],
      province: address2.includes('/p2p/') ? address2 : `${address2}/p2p/${province2.peerId}`, schedule: '0 0 1 1 *|1 0 1 1 *'
    })
    let r2: Record<string, number>
    try {
      r2 = await replicateOnce(district2, province2, Number(/\/tcp\/(\d+)/.exec(address2)![1]), ns)
    } catch (err) {
      process.stderr.write([...province2.logs, ...district2.logs].filter(l => !l.includes("reqId")).slice(-30).join("\n") + "\n")
      throw err
    }
    const capacity = shaped.payload / (2_000_000 / 8)
    figures.sync_shaped_link = '2 Mbit/s each way, 1 % loss each way, no added delay (no netem in this kernel)'
    figures.sync_shaped_MB = Number((shaped.payload / 1e6).toFixed(1))
    figures.sync_shaped_seconds = Number(r2.seconds.toFixed(1))
    figures.sync_shaped_capacity_seconds = Number(capacity.toFixed(1))
    figures.sync_shaped_time_over_capacity = Number((r2.seconds / capacity).toFixed(3))
    figures.sync_shaped_wire_over_payload = Number((r2.wireSent / shaped.payload).toFixed(4))
    await district2.stop()
    await province2.stop()
    return figures
}
