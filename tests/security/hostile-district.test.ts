/**
 * Issue 15, items 1, 2 and 5: a registered district that misbehaves with its own valid key. Two districts and a
 * province on 127.0.0.1: A is an honest district node; B speaks the protocol itself (tests/security/peer.ts).
 * - B cannot fetch A's files through restore, nor learn their sizes (item 1);
 * - B cannot file a record with no unit, nor under A's unit (item 2);
 * - B cannot claim a file larger than the intake limit, nor fill the province's disk with unfinished files (item 5).
 * Each attack is refused and B's replica halts there; an admin resumes it and B's honest entries still go through.
 */
import { cp, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import t from 'tap'
import { FileStore } from '../../appliance/src/store/index.js'
import { readStoredRange, storedFileSize } from '../../appliance/src/replica/stored-files.js'
import { GENESIS, RESTORE_PROTOCOL, SYNC_PROTOCOL, TokenBucket, type Channel } from '../../sync/src/index.js'
import { sendFiles } from '../../sync/src/file-transfer.js'
import { tempDir } from '../helpers/tmp.js'
import { api, district, provinceAddress, register, seedArchive, startNode, waitFor } from '../sync/helpers.js'
import { archivedEntry, craftLog, dialAs, hello, loadOrCreateNodeKey, sendEntries, type CraftedEntry } from './peer.js'

const LIMIT = 1024 * 1024
let province: Awaited<ReturnType<typeof startNode>>

/** Answers the province's wants from B's file store until its ack. */
async function untilAck (ch: Channel, dir: string): Promise<Record<string, any>> {
  const files = new FileStore(join(dir, 'files'))
  const source = { fileSize: async (sha: string) => await storedFileSize(files, sha), readFile: async (sha: string, o: number, n: number) => await readStoredRange(files, sha, o, n) }
  for (;;) {
    const { header } = await ch.expect<Record<string, any>>()
    if (header.t === 'ack') return header
    if (header.t !== 'want') throw new Error(`unexpected ${String(header.t)}`)
    await sendFiles(ch, source, header.files, { bucket: new TokenBucket(0), shouldContinue: () => true })
  }
}

/** One sync session of B offering `entries` after what the province acknowledged. */
async function offer (address: string, dir: string, entries: CraftedEntry[]): Promise<Record<string, any>> {
  const key = await loadOrCreateNodeKey(dir)
  const { ch, host } = await dialAs(key, address, SYNC_PROTOCOL)
  try {
    const welcome = await hello(ch, entries.at(-1)!.seq)
    if (welcome.t !== 'welcome') throw new Error(`no welcome: ${JSON.stringify(welcome)}`)
    await sendEntries(ch, entries.filter(e => e.seq > welcome.acked.seq))
    const ack = await untilAck(ch, dir)
    await ch.send({ t: 'bye', head: entries.at(-1)!.seq }).catch(() => {})
    return ack
  } finally {
    await host.stop()
  }
}

/** A branch of B's log: a copy of its data directory (same key, same first entries), then other entries. */
async function branch (t: Parameters<typeof tempDir>[0], base: string, inputs: Parameters<typeof craftLog>[1]): Promise<{ dir: string, entries: CraftedEntry[] }> {
  const dir = await tempDir(t, 'sohoa-B-branch-')
  await cp(base, dir, { recursive: true })
  const { entries } = await craftLog(dir, inputs)
  return { dir, entries }
}

async function partialBytes (provinceDir: string, replica: string): Promise<number> {
  const dir = join(provinceDir, 'replica', 'partial', 'd', replica)
  let total = 0
  for (const name of await readdir(dir).catch(() => [] as string[])) total += (await stat(join(dir, name))).size
  return total
}

t.test('a district with a valid key: restore isolation, units, file claims', async t => {
  t.teardown(() => { if (t.passing()) return; for (const l of province.logs.filter(l => /"level":(40|50)/.test(l)).slice(-20)) console.error(l) })
  const [dirP, dirA, dirB] = await Promise.all([tempDir(t, 'sohoa-prov-'), tempDir(t, 'sohoa-A-'), tempDir(t, 'sohoa-B-')])
  const seedA = await seedArchive(dirA, '623', [{ text: 'Giấy phép xây dựng của bà Siu H\'Nga', masters: [randomBytes(30_000)] }])
  const own = archivedEntry({ unit: '622', text: 'Quyết định của huyện B' })
  const { peerId: idB, entries: logB } = await craftLog(dirB, [own])

  province = await startNode(t, { dataDir: dirP, role: 'province', env: { SOHOA_MAX_UPLOAD_BYTES: String(LIMIT) } })
  const address = await provinceAddress(province)
  await register(province, seedA.peerId, '623')
  await register(province, idB, '622')
  const a = await startNode(t, { dataDir: dirA, role: 'district', province: address })
  await waitFor('A replicated', async () => (await district(province, seedA.peerId))?.acked === seedA.head)
  t.match(await offer(address, dirB, logB), { t: 'ack', seq: 1 }, 'B\'s honest entry is taken')

  await t.test('item 1: restore serves B only files of its own replica, and no sizes', async t => {
    const key = await loadOrCreateNodeKey(dirB)
    const { ch, host } = await dialAs(key, address, RESTORE_PROTOCOL)
    t.teardown(async () => await host.stop())
    const victim = seedA.records[0].files.find(f => f.role === 'master')!
    await ch.send({ t: 'restore', v: 1, after: GENESIS })
    const head = (await ch.expect<Record<string, any>>()).header
    t.match(head, { t: 'restore-head', head: { seq: 1 } }, 'B\'s own replica')
    t.notOk('signers' in head, 'the province names no signers: a district trusts its own keys')
    const ask = async (files: Array<{ sha256: string, size: number }>): Promise<Array<Record<string, any>>> => {
      await ch.send({ t: 'want', files: files.map(f => ({ ...f, offset: 0 })) })
      const frames = []
      for (;;) {
        const { header } = await ch.expect<Record<string, any>>()
        if (header.t === 'sent') return frames
        frames.push(header)
      }
    }
    const before = await ask([victim])
    t.same(before, [{ t: 'missing', sha256: victim.sha256 }], 'A\'s file, asked for by its hash and size: missing, with no size')
    await ch.send({ t: 'get-entries', from: 1, limit: 64 })
    const entries = (await ch.expect<Record<string, any>>()).header
    t.match(entries, { t: 'entries', first: 1, sizes: [logB[0].envelope.byteLength] })
    t.same(await ask([{ sha256: victim.sha256, size: victim.size + 1 }]), [{ t: 'missing', sha256: victim.sha256 }], 'a wrong size tells nothing either')
    const mine = own.files![0]
    const got = await ask([mine])
    t.ok(got.length > 0 && got.every(h => h.t === 'chunk' && h.sha256 === mine.sha256), 'its own file comes')
    await ch.send({ t: 'bye' })
  })

  await t.test('item 2: a record with no unit, or under another district\'s unit, is refused', async t => {
    // Before: a missing unit fell back to `data.record.unit`, unchecked.
    const noUnit = await branch(t, dirB, [archivedEntry({ recordUnit: '623', text: 'không có đơn vị' })])
    const refused = await offer(address, noUnit.dir, noUnit.entries)
    t.match(refused, { t: 'ack', seq: 1, refuse: { seq: 2, problem: /names no unit/ } })
    t.match(await district(province, idB), { acked: 1, records: 1, halted: { seq: 2 } })
    t.equal((await api(province, 'POST', `/api/v1/sync/districts/${idB}/resume`)).status, 200)

    const otherUnit = await branch(t, dirB, [archivedEntry({ unit: '623', text: 'đơn vị của huyện A' })])
    t.match(await offer(address, otherUnit.dir, otherUnit.entries), { refuse: { seq: 2, problem: /unit 623 is not under district 622/ } })
    t.equal((await api(province, 'POST', `/api/v1/sync/districts/${idB}/resume`)).status, 200)

    const mismatch = await branch(t, dirB, [archivedEntry({ unit: '622', recordUnit: '623', text: 'hai đơn vị' })])
    t.match(await offer(address, mismatch.dir, mismatch.entries), { refuse: { seq: 2, problem: /record says unit 623/ } })
    t.equal((await api(province, 'POST', `/api/v1/sync/districts/${idB}/resume`)).status, 200)
    const { body } = await api(province, 'GET', '/api/v1/search?unit=623')
    t.same(body.results.map((r: any) => r.recordId), [seedA.records[0].id], 'A\'s unit holds only A\'s record')
  })

  await t.test('item 5: a claim over the intake limit is refused; unfinished files stay within the district\'s room', async t => {
    const huge = await branch(t, dirB, [archivedEntry({ unit: '622', claim: LIMIT + 1 })])
    t.match(await offer(address, huge.dir, huge.entries), { refuse: { seq: 2, problem: new RegExp(`claims ${LIMIT + 1} bytes`) } })
    t.equal((await api(province, 'POST', `/api/v1/sync/districts/${idB}/resume`)).status, 200)

    // Three records with 1 MiB masters (within the limit): B sends 900 KB of each and never the rest. The
    // district's room is 2 × the limit: the third file does not fit, and the session is cut.
    const masters = [0, 1, 2].map(() => randomBytes(LIMIT))
    const hoard = await branch(t, dirB, masters.map(m => archivedEntry({ unit: '622', master: m })))
    const key = await loadOrCreateNodeKey(dirB)
    const { ch, host } = await dialAs(key, address, SYNC_PROTOCOL)
    t.teardown(async () => await host.stop())
    const welcome = await hello(ch, 4)
    t.match(welcome, { t: 'welcome', acked: { seq: 1 } })
    await sendEntries(ch, hoard.entries.slice(1))
    const want = (await ch.expect<Record<string, any>>()).header
    t.equal(want.t, 'want')
    const shas = masters.map(archivedSha)
    t.ok(shas.every(sha => want.files.some((f: any) => f.sha256 === sha)), 'the province wants the three masters')
    let cut = false
    try {
      for (const [i, m] of masters.entries()) {
        for (let at = 0; at < 900 * 1024; at += 100 * 1024) await ch.send({ t: 'chunk', sha256: shas[i], offset: at }, m.subarray(at, at + 100 * 1024))
      }
      await ch.send({ t: 'sent' })
      await ch.expect()
    } catch { cut = true }
    t.ok(cut, 'the province ends the session')
    await waitFor('the partials settled', async () => (await partialBytes(dirP, idB)) > 0)
    const held = await partialBytes(dirP, idB)
    t.ok(held <= 2 * LIMIT, `partial bytes of B at the province: ${held} ≤ ${2 * LIMIT}`)
    t.ok(province.logs.some(l => l.includes('SYNC_PARTIAL_SPACE') || l.includes('unfinished file transfers')), 'the refusal is logged')
    t.match(await district(province, idB), { acked: 1, halted: null }, 'nothing of it was acknowledged')

    // An honest record with a master at the limit still goes through: the room is made by dropping B's stale
    // partials (oldest first), so the limit and the room bound claims, not honest work.
    const honest = await branch(t, dirB, [archivedEntry({ unit: '622', master: randomBytes(LIMIT) })])
    t.match(await offer(address, honest.dir, honest.entries), { t: 'ack', seq: 2 })
    const after = await partialBytes(dirP, idB)
    t.ok(after < held && after <= 2 * LIMIT, `stale partials dropped: ${held} → ${after} bytes`)
    t.match(await district(province, seedA.peerId), { acked: seedA.head, records: 1, halted: null }, 'A was never disturbed')
  })

  await a.stop()
  await province.stop()
})

function archivedSha (bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}
