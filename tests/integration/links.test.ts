// The signed file links on a real appliance: no credentials needed, the exact PDF with download headers; a tampered,
// moved, foreign-key or expired link is refused (403, 403, 403, 410), a link outliving its SOHOA_LINK_TTL_SECONDS
// expires for real, a record this node does not hold is 404, and the route is rate-limited per address.
import { createHash } from 'node:crypto'
import { get as httpGet } from 'node:http'
import t from 'tap'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { FileLinkSigner, FILE_LINK_PATH } from '../../appliance/src/integration/index.js'
import { newId } from '../../appliance/src/store/index.js'
import { startAppliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'
import { PERSON, onAppliance, permit, seedArchive, tokenOf } from './lookup-fixture.js'
import { FILE_RATE_LIMIT } from '../../appliance/src/api/routes/integration.js'

const TTL = 2

t.test('signed links: exact bytes, tampering, expiry, rate limit', async t => {
  const dataDir = await tempDir(t)
  const { key, records } = await seedArchive(t, dataDir, {
    first: permit({ subjectId: PERSON, documentNumber: '201/GPXD-UBND' }),
    second: permit({ subjectId: PERSON, documentNumber: '202/GPXD-UBND' })
  })
  const app = await startAppliance({ dataDir, env: { SOHOA_LINK_TTL_SECONDS: String(TTL) } })
  t.teardown(() => app.stop())
  const open = async (link: string): Promise<Response> => await fetch(onAppliance(app.url, link))
  const { first, second } = records

  // The node's own key, as a portal never has it: links the test signs are the ones the node would sign.
  const signer = FileLinkSigner.fromNodeKey(key, app.url)
  const good = signer.link(first.record.id, first.record.pdf!.filename, { ttlSeconds: 3600 }).url
  let res = await open(good)
  t.equal(res.status, 200, 'no token, no session: the signature is the authority')
  t.equal(res.headers.get('content-type'), 'application/pdf')
  t.equal(res.headers.get('content-length'), String(first.pdf.byteLength))
  t.match(res.headers.get('content-disposition'), `attachment; filename="${first.record.pdf!.filename}"`)
  t.match(res.headers.get('cache-control'), /no-store/)
  const bytes = Buffer.from(await res.arrayBuffer())
  t.equal(createHash('sha256').update(bytes).digest('hex'), first.record.pdf!.sha256, 'sha256 of the download is the record\'s PDF')
  t.same(bytes, first.pdf)
  t.equal((await open(good.replace(/\/[^/?]+\.pdf\?/, '/ten-khac.pdf?'))).status, 200, 'the file name in the path is cosmetic')

  // Tampering: every changed part of the link is refused the same way.
  const u = new URL(good)
  const sig = u.searchParams.get('sig')!
  const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`
  const variants: Array<[string, string]> = [
    ['a changed signature', good.replace(sig, flipped)],
    ['a later expiry', good.replace(/exp=\d+/, m => `exp=${Number(m.slice(4)) + 86400}`)],
    ['another record\'s path', good.replace(first.record.id, second.record.id)],
    ['no signature', good.replace(/&sig=[^&]+/, '')],
    ['another file role', `${good}&file=text`],
    ['a foreign node\'s key', FileLinkSigner.fromNodeKey({ ...key, privateKey: await generateKeyPair('Ed25519') } as typeof key, app.url).link(first.record.id, 'x.pdf').url]
  ]
  for (const [what, link] of variants) {
    res = await open(link)
    t.equal(res.status, 403, `${what}: 403`)
    t.match(await res.json(), { error: 'LINK_INVALID', message: /không hợp lệ/, messageEn: /not valid/ })
  }

  // Expired: signed an hour ago for a minute.
  res = await open(signer.link(first.record.id, 'a.pdf', { now: new Date(Date.now() - 3600_000), ttlSeconds: 60 }).url)
  t.equal(res.status, 410)
  t.match(await res.json(), { error: 'LINK_EXPIRED', message: /hết hạn/, messageEn: /expired/, details: { expiredAt: String } })

  // A link from a real lookup lives SOHOA_LINK_TTL_SECONDS, then expires.
  const integration = await tokenOf(app.url, 'integration')
  const found = await (await fetch(`${app.url}/api/v1/integration/results?subjectId=${PERSON}&purpose=ki%E1%BB%83m%20tra`, { headers: { authorization: `Bearer ${integration}` } })).json() as { results: any[] }
  const [{ url, expiresAt }] = found.results.find(r => r.recordId === second.record.id).files
  t.ok(Date.parse(expiresAt) - Date.now() <= TTL * 1000, `the lookup's link expires within ${TTL} s`)
  await new Promise(resolve => setTimeout(resolve, Math.max(0, Date.parse(expiresAt) - Date.now()) + 1100))
  res = await open(url)
  t.equal(res.status, 410, 'once past its expiry the lookup\'s own link is refused')
  t.match(await res.json(), { error: 'LINK_EXPIRED' })

  // Correctly signed, but for a record this node does not hold.
  res = await open(signer.link(newId('r'), 'x.pdf', { ttlSeconds: 60 }).url)
  t.equal(res.status, 404)
  t.match(await res.json(), { error: 'NOT_FOUND' })
  t.equal((await fetch(`${app.url}${FILE_LINK_PATH}/not-a-record/x.pdf?exp=1&sig=x`)).status, 400, 'a malformed record id: 400')

  // Rate limit per address: from another loopback address (a counter of its own), past FILE_RATE_LIMIT a minute
  // every request is 429, a good link too; this test's own address is not affected.
  const bad = good.replace(sig, flipped)
  const statuses: number[] = []
  for (let sent = 0; sent < FILE_RATE_LIMIT + 5; sent += 10) {
    statuses.push(...await Promise.all(Array.from({ length: Math.min(10, FILE_RATE_LIMIT + 5 - sent) }, async () => (await getFrom('127.0.0.2', onAppliance(app.url, bad))).status)))
  }
  t.equal(statuses.filter(s => s === 403).length, FILE_RATE_LIMIT, `${FILE_RATE_LIMIT} refused as tampered`)
  t.equal(statuses.filter(s => s === 429).length, 5, 'then 429')
  const limited = await getFrom('127.0.0.2', onAppliance(app.url, good))
  t.equal(limited.status, 429, 'a good link waits too')
  t.match(JSON.parse(limited.body), { error: 'RATE_LIMITED', message: /Quá nhiều/ })
  t.equal((await open(good)).status, 200, 'another address is not held back')
})

/** A GET from a chosen local address (fetch cannot pick one). */
async function getFrom (localAddress: string, url: string): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    httpGet(url, { localAddress }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => { body += d }).on('end', () => resolve({ status: res.statusCode ?? 0, body })).on('error', reject)
    }).on('error', reject)
  })
}
