// Bad input gets a clear 4xx in Vietnamese and English, is never half-stored, and the server keeps serving.
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import t from 'tap'
import { createToken, startAppliance } from '../helpers/appliance.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'

/** A PNG that claims width x height but carries (almost) no data: a decompression-bomb header. */
function pngHeader (width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0 })
  const crc = (buf: Buffer): number => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0 }
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body))
    return Buffer.concat([len, body, sum])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 0
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1024))), chunk('IEND', Buffer.alloc(0))])
}

t.test('every kind of bad upload is refused whole', async t => {
  const dataDir = await tempDir(t)
  const app = await startAppliance({ dataDir, env: { SOHOA_MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) } })
  t.teardown(() => app.stop())
  const { secret } = await createToken(app.url, 'ingest')
  const jpeg = await readFile(join(CORPUS, '0001.jpg'))
  const post = async (body: Buffer, type: string | null, unit = '622') => {
    const headers: Record<string, string> = { authorization: `Bearer ${secret}` }
    if (type) headers['content-type'] = type
    const res = await fetch(`${app.url}/api/v1/pages?unit=${unit}`, { method: 'POST', headers, body: new Uint8Array(body) })
    return { status: res.status, body: await res.json() as any }
  }

  const cases: Array<[string, Buffer, string | null, number, string, string?]> = [
    ['unknown content type', jpeg, 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', jpeg, null, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['too large', Buffer.concat([jpeg, Buffer.alloc(3 * 1024 * 1024)]), 'image/jpeg', 413, 'PAYLOAD_TOO_LARGE'],
    ['truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'image/jpeg', 422, 'IMAGE_TRUNCATED'],
    ['zero-byte body', Buffer.alloc(0), 'image/jpeg', 422, 'EMPTY_BODY'],
    ['a text file named .jpg', Buffer.from('Đây là một tệp văn bản, không phải ảnh.\n'.repeat(50)), 'image/jpeg', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['100000x100000 PNG header', pngHeader(100000, 100000), 'image/png', 422, 'IMAGE_TOO_MANY_PIXELS'],
    ['unknown unit', jpeg, 'image/jpeg', 400, 'UNKNOWN_UNIT', '999']
  ]
  for (const [name, body, type, status, code, unit] of cases) {
    const res = await post(body, type, unit)
    t.equal(res.status, status, `${name}: ${status}`)
    t.equal(res.body.error, code, `${name}: ${code}`)
    t.ok(res.body.message && res.body.messageEn && res.body.message !== res.body.messageEn, `${name}: Vietnamese and English messages`)
  }
  // Far past the limit the server stops reading and cuts the line rather than swallow it; it keeps serving.
  const flood = await post(Buffer.alloc(40 * 1024 * 1024), 'image/jpeg').then(r => r.status, () => 'cut')
  t.ok(flood === 413 || flood === 'cut', `a 40 MB flood is refused or cut (${flood})`)
  const listing = await fetch(`${app.url}/api/v1/records`, { headers: { authorization: `Bearer ${(await createToken(app.url, 'read')).secret}` } })
  t.same((await listing.json() as any).records, [], 'nothing half-stored: no record')
  const stored = (await readdir(join(dataDir, 'files'))).filter(n => n !== 'tmp')
  t.same(stored, [], 'nothing half-stored: no file')

  const good = await post(jpeg, 'image/jpeg')
  t.equal(good.status, 201, 'the server keeps serving')
  const again = await post(jpeg, 'image/jpeg')
  t.equal(again.status, 200, 'the same bytes again: the existing record, not a new one')
  t.equal(again.body.recordId, good.body.recordId)
  t.equal(again.body.duplicate, true)
})
