/**
 * The pure parts, on inputs a saned on this (little-endian) machine cannot produce: big-endian 16-bit
 * frames, hostile lengths, odd frame sequences. Everything else is tested against a real saned.
 */
import t from 'tap'
import { readDevicesReply, readOptionDescriptors, type SaneParameters } from '../../../appliance/src/scanner/sane/codec.js'
import { BYTE_ORDER_BIG, BYTE_ORDER_LITTLE } from '../../../appliance/src/scanner/sane/constants.js'
import { assembleImage, type RawFrame } from '../../../appliance/src/scanner/sane/index.js'
import { WireReader, WireWriter, bufferSource } from '../../../appliance/src/scanner/sane/wire.js'

const reader = (b: Buffer): WireReader => new WireReader(bufferSource(b))

t.test('wire primitives', async t => {
  const b = new WireWriter().word(-2).word(0xfffffffe).string(null).string('').string('Đà Nẵng').words([1, 2]).toBuffer()
  t.equal(b.subarray(0, 4).toString('hex'), 'fffffffe', 'big-endian two\'s complement')
  t.equal(b.subarray(12, 16).toString('hex'), '00000001', 'the empty string is one NUL')
  const r = reader(b)
  t.equal(await r.word(), -2)
  t.equal(await r.uword(), 0xfffffffe)
  t.equal(await r.string(), null, 'length 0 is the NULL string')
  t.equal(await r.string(), '')
  t.equal(await r.string(), 'Đà Nẵng')
  t.same(await r.words(), [1, 2])
  await t.rejects(r.word(), { code: 'SANE_PROTOCOL', details: { reason: 'short-message' } })
  await t.rejects(reader(new WireWriter().word(0x7fffffff).toBuffer()).string(), { code: 'SANE_PROTOCOL', details: { reason: 'length-too-large' } })
  await t.rejects(reader(new WireWriter().word(7).toBuffer()).pointer(async () => 1), { code: 'SANE_PROTOCOL', details: { reason: 'bad-pointer-flag' } })
})

t.test('device list: the NULL terminator is not a device', async t => {
  const w = new WireWriter().word(0).word(2)
  w.word(0).string('test:0').string('Noname').string('frontend-tester').string('virtual device')
  w.word(1)
  const reply = await readDevicesReply(reader(w.toBuffer()))
  t.same(reply, { status: 0, devices: [{ name: 'test:0', vendor: 'Noname', model: 'frontend-tester', type: 'virtual device' }] })
})

t.test('word-list constraint: the first word counts the values', async t => {
  const w = new WireWriter().word(1).word(0)
  w.string('depth').string('Depth').string('').word(1).word(0).word(4).word(5).word(2).words([3, 1, 8, 16])
  const [d] = await readOptionDescriptors(reader(w.toBuffer()))
  t.same(d.wordList, [1, 8, 16])
})

function params (format: SaneParameters['format'], depth: number, ppl: number, bpl: number, lines: number): SaneParameters {
  return { format, lastFrame: format === 'gray' || format === 'rgb' || format === 'blue', bytesPerLine: bpl, pixelsPerLine: ppl, lines, depth }
}
const frame = (p: SaneParameters, bytes: number[], byteOrder = BYTE_ORDER_LITTLE): RawFrame => ({ params: p, data: Buffer.from(bytes), byteOrder })
const u16 = (b: Buffer): number[] => Array.from(new Uint16Array(b.buffer, b.byteOffset, b.length / 2))

t.test('16-bit frames in either byte order come out in machine order', async t => {
  const be = assembleImage([frame(params('gray', 16, 2, 4, 1), [0x12, 0x34, 0xab, 0xcd], BYTE_ORDER_BIG)], 300)
  t.same(u16(be.data), [0x1234, 0xabcd])
  const le = assembleImage([frame(params('gray', 16, 2, 4, 1), [0x34, 0x12, 0xcd, 0xab], BYTE_ORDER_LITTLE)], 300)
  t.same(u16(le.data), [0x1234, 0xabcd])
  const threePass = assembleImage([
    frame(params('blue', 16, 1, 2, 1), [0x00, 0x03], BYTE_ORDER_BIG),
    frame(params('red', 16, 1, 2, 1), [0x00, 0x01], BYTE_ORDER_BIG),
    frame(params('green', 16, 1, 2, 1), [0x00, 0x02], BYTE_ORDER_BIG)
  ], null)
  t.same(u16(threePass.data), [1, 2, 3], 'channels land by frame format, not arrival order')
  t.throws(() => assembleImage([frame(params('gray', 16, 1, 2, 1), [0, 1], 0x9999)], null), { code: 'SANE_PROTOCOL', details: { reason: 'unknown-byte-order' } })
})

t.test('depth 1 with padding, partial lines and broken sequences', async t => {
  // 10 pixels, 2 bytes of bits + 1 byte of padding per line; gray: 1 = black.
  const gray = assembleImage([frame(params('gray', 1, 10, 3, 2), [0b10000000, 0b01000000, 0xee, 0, 0xff, 0xee])], 200)
  t.same(Array.from(gray.data), [0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0])
  const partial = assembleImage([frame(params('gray', 8, 2, 2, -1), [1, 2, 3, 4, 5])], null)
  t.same([partial.height, Array.from(partial.data)], [2, [1, 2, 3, 4]], 'a trailing partial line is dropped')
  t.throws(() => assembleImage([frame(params('gray', 8, 4, 3, 1), [1, 2, 3])], null), { code: 'SANE_PROTOCOL', details: { reason: 'bytes-per-line-too-small' } })
  t.throws(() => assembleImage([frame(params('red', 8, 1, 1, 1), [1]), frame(params('red', 8, 1, 1, 1), [1]), frame(params('blue', 8, 1, 1, 1), [1])], null),
    { code: 'SANE_PROTOCOL', details: { reason: 'unexpected-frame-sequence' } })
  t.throws(() => assembleImage([frame(params('gray', 12, 1, 2, 1), [1, 2])], null), { code: 'SANE_PROTOCOL', details: { reason: 'unsupported-depth' } })
  t.throws(() => assembleImage([frame(params('gray', 8, 2, 2, 1), [])], null), { code: 'SANE_IO_ERROR', details: { reason: 'empty-image' } })
})
