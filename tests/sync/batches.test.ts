/**
 * Large replication batches (issue 13): many records share one round trip, one grouped file sync and one commit.
 * A batch's files are asked for in slices (a `want` lists its files in a frame header of at most 64 KiB), and a
 * district talking to an older province, whose welcome names no batch size, keeps to the old 64 entries.
 */
import { createHash, randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import t from 'tap'
import { BATCH_ENTRIES, Channel, createHost, decodeEntries, LEGACY_BATCH_ENTRIES, SYNC_PROTOCOL, WANT_FILES } from '../../sync/src/index.js'
import { tempDir } from '../helpers/tmp.js'
import { district, provinceAddress, register, seedArchive, startNode, waitFor, type SeedRecord } from './helpers.js'

const RECORDS = 150 // three files each: 450 files, more than one `want` frame's worth

function records (n: number): SeedRecord[] {
  return Array.from({ length: n }, (_, i) => ({ text: `Quyết định số ${i}/QĐ-UBND về việc cấp giấy phép`, masters: [randomBytes(3000)] }))
}

t.test('a batch of hundreds of records moves in one round, its files asked for in slices', async t => {
  t.ok(BATCH_ENTRIES >= RECORDS, 'the records fit one batch')
  const [dirP, dirD] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-d-')])
  const seed = await seedArchive(dirD, '622', records(RECORDS))
  const province = await startNode(t, { dataDir: dirP, role: 'province', env: { SOHOA_LOG_LEVEL: 'debug' } })
  await register(province, seed.peerId, '622')
  await startNode(t, { dataDir: dirD, role: 'district', province: await provinceAddress(province) })
  await waitFor('the district replicated', async () => (await district(province, seed.peerId))?.acked === seed.head, 60_000)
  t.match(await district(province, seed.peerId), { records: RECORDS, halted: null })

  // The state is acknowledged before the province indexes the batch and logs it.
  const stored = (): Array<Record<string, any>> => province.logs.map(l => JSON.parse(l) as Record<string, any>).filter(l => l.msg === 'batch stored')
  await waitFor('the batch logged', async () => stored().reduce((n, b) => n + (b.entries as number), 0) >= seed.head)
  const lines = province.logs.map(l => JSON.parse(l) as Record<string, any>)
  const wants = lines.filter(l => l.msg === 'asking the district for files').map(l => l.files as number)
  const files = RECORDS * 3
  t.ok(wants.every(n => n <= WANT_FILES), `each want names at most ${WANT_FILES} files (${wants.join(', ')})`)
  t.equal(wants.reduce((a, b) => a + b, 0), files, 'every file asked for once')
  t.ok(wants.length >= Math.ceil(files / WANT_FILES), 'in slices')
  const batches = lines.filter(l => l.msg === 'batch stored')
  t.equal(batches.reduce((n, b) => n + (b.entries as number), 0), seed.head, 'every entry stored')
  t.ok(batches.length <= 2, `in one or two batches, not ${Math.ceil(seed.head / LEGACY_BATCH_ENTRIES)} (${batches.map(b => b.entries).join(', ')})`)
})

t.test('an older province (no batch size in its welcome) gets batches of at most the old 64 entries', async t => {
  const dirD = await tempDir(t, 'sohoa-d-')
  const seed = await seedArchive(dirD, '622', records(100))
  // The older province, reduced to its side of the protocol: it holds every file already and acknowledges each batch.
  const host = await createHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], allowInbound: () => true, allowOutbound: () => false })
  t.teardown(async () => await host.stop())
  const sizes: number[] = []
  let done!: () => void
  const finished = new Promise<void>(resolve => { done = resolve })
  await host.handle(SYNC_PROTOCOL, (stream) => {
    void (async () => {
      const ch = new Channel(stream)
      await ch.expect()
      await ch.send({ t: 'welcome', acked: { seq: 0, hash: '0'.repeat(64) }, halted: null, tables: 0 })
      for (;;) {
        const { header, payload } = await ch.expect<Record<string, any>>()
        if (header.t === 'bye') break
        const entries = decodeEntries(header, payload)
        sizes.push(entries.length)
        const last = entries[entries.length - 1]
        await ch.send({ t: 'ack', seq: last.seq, hash: createHash('sha256').update(last.envelope).digest('hex') })
      }
      await ch.close()
      done()
    })().catch(err => { t.fail(String(err)); done() })
  })
  const address = `${host.getMultiaddrs()[0].toString()}`
  await startNode(t, { dataDir: dirD, role: 'district', province: address })
  await finished
  t.equal(sizes.reduce((a, b) => a + b, 0), seed.head, 'every entry offered')
  t.ok(sizes.every(n => n <= LEGACY_BATCH_ENTRIES), `batches of at most ${LEGACY_BATCH_ENTRIES} (${sizes.join(', ')})`)
})
