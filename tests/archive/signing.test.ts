import t from 'tap'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'
import { buildArchivalPdf, vietnamTime, type ArchivalPdfInput } from '../../appliance/src/archive/pdf/index.js'
import { createSelfSignedP12, readP12, signSaoY, TEST_NOTE, type SaoYOptions } from '../../appliance/src/archive/signing/index.js'
import { isAppError } from '../../appliance/src/errors/index.js'
import { tempDir } from '../helpers/tmp.js'
import { bboxWords, corpusPage, corpusTruth, darkPixels, deref, gridWords, qpdfObjects, render, run, runBytes, writePdf, xmpOf, type QpdfValue } from './pdf-helpers.js'

const require = createRequire(import.meta.url)
prepareZXingModule({ overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')).buffer as ArrayBuffer } })

const dir = await tempDir(t, 'sohoa-archive-sign-')
const agencyName = 'ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ'
const passphrase = 'mật khẩu thử'
const verifyUrl = 'https://sohoa.chuse.gialai.gov.vn/verify/SH-622-0mabcdefghijklmnopqrstu'
const p12 = await createSelfSignedP12({ agencyName, passphrase, days: 30 })

const master1 = corpusPage('0000.jpg')
const master2 = corpusPage('0003.jpg')
const record = (pages: Buffer[]): ArchivalPdfInput => ({
  pages: pages.map((image, i) => {
    const dpi = i === 0 ? 300 : 200
    return { image, dpi, words: gridWords(corpusTruth(i === 0 ? '0000.jpg' : '0003.jpg').text, i === 0 ? 2481 : 1654) }
  }),
  metadata: { title: 'GIẤY PHÉP XÂY DỰNG 1470/GPXD-UBND', agency: agencyName, archiveId: 'SH-622-0mabcdefghijklmnopqrstu', unit: '622' },
  producer: 'sohoa 0.1.0',
  createdAt: new Date()
})
const options = (over: Partial<SaoYOptions> = {}): SaoYOptions => ({ p12, passphrase, agencyName, signingTime: new Date(), verifyUrl, testCertificate: true, ...over })

// Measured first: the first call pays for loading the font, the ICC profile and opening the PKCS#12 file.
const timings: string[] = []
async function buildAndSign (pages: Buffer[], label: string): Promise<{ unsigned: Uint8Array, signed: Uint8Array, opts: SaoYOptions }> {
  const opts = options()
  const started = performance.now()
  const unsigned = await buildArchivalPdf(record(pages))
  const built = performance.now()
  const signed = await signSaoY(unsigned, opts)
  const done = performance.now()
  const input = pages.reduce((n, p) => n + p.length, 0)
  timings.push(`${label}: build ${(built - started).toFixed(0)} ms + sign ${(done - built).toFixed(0)} ms = ${(done - started).toFixed(0)} ms; ${signed.length} bytes for ${input} bytes of JPEG (+${signed.length - input})`)
  return { unsigned, signed, opts }
}
const one = await buildAndSign([master1], '1 page, first call')
for (let i = 1; i <= 3; i++) await buildAndSign([master1], `1 page, warm #${i}`)
for (let i = 1; i <= 3; i++) await buildAndSign([master1, master2], `2 pages, warm #${i}`)
for (const line of timings) t.comment(line)
const signedFile = await writePdf(dir, 'signed.pdf', one.signed)
const unsignedFile = await writePdf(dir, 'unsigned.pdf', one.unsigned)

async function pdfsig (file: string): Promise<string> {
  return (await run('pdfsig', [file])).stdout
}

t.test('pdfsig: the signature is valid, by the Vietnamese-named signer, over the whole file, PAdES subfilter', async t => {
  const out = await pdfsig(signedFile)
  t.match(out, /Signature Validation: Signature is Valid\./)
  t.match(out, `Signer Certificate Common Name: ${agencyName} (THỬ NGHIỆM)`)
  t.match(out, /Signer full Distinguished Name: CN=ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ \(THỬ NGHIỆM\),OU=CHỨNG THƯ THỬ NGHIỆM - TEST CERTIFICATE,O=ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ,C=VN/)
  t.match(out, 'Signature Type: ETSI.CAdES.detached')
  t.match(out, 'Signing Hash Algorithm: SHA-256')
  t.match(out, 'Total document signed')
  t.equal(out.match(/Signature #/g)?.length, 1, 'one signature')
})

t.test('one flipped byte in the page image: the signature no longer verifies', async t => {
  const bytes = Buffer.from(one.signed)
  const at = bytes.indexOf(master1.subarray(20_000, 20_064))
  t.ok(at > 0, 'the master\'s bytes are in the file as they are')
  bytes[at + 10] ^= 0x01
  const out = await pdfsig(await writePdf(dir, 'tampered.pdf', bytes))
  t.notMatch(out, /Signature is Valid/)
  t.match(out, /Digest Mismatch/)
})

t.test('the visible block: top right of page 1, the three lines in 10 pt black Tinos, the test line, nothing else on the page changed', async t => {
  const words = await bboxWords(signedFile, 1)
  const pageWidth = 2481 * 72 / 300
  const time = vietnamTime(one.opts.signingTime)
  t.match(time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/)
  const blockText = ['SAO', 'Y', ...agencyName.split(' '), time, ...TEST_NOTE.split(' ')]
  const block = words.slice(0, blockText.length)
  t.same(block.map(w => w.text), blockText, 'SAO Y, the agency, the time, the test line, in this order')
  const box = { x0: Math.min(...block.map(w => w.xMin)), x1: Math.max(...block.map(w => w.xMax)), y0: Math.min(...block.map(w => w.yMin)), y1: Math.max(...block.map(w => w.yMax)) }
  t.ok(pageWidth - box.x1 < 12 && box.y0 < 12, `at the top right corner (${box.x0.toFixed(0)}-${box.x1.toFixed(0)} x ${box.y0.toFixed(0)}-${box.y1.toFixed(0)} pt)`)
  t.ok(box.y1 < 55, 'within the top margin')
  const saoY = block[0]
  t.ok(Math.abs((saoY.yMax - saoY.yMin) - 10 * 1.107) < 0.3, `10 pt text (line box ${(saoY.yMax - saoY.yMin).toFixed(2)} pt)`)

  const objects = await qpdfObjects(signedFile)
  const page = deref(objects, ((deref(objects, deref(objects, (objects.get('trailer')!.value as Record<string, QpdfValue>)['/Root'])['/Pages'])['/Kids']) as string[])[0])
  const widget = deref(objects, (page['/Annots'] as string[])[0])
  const ap = deref(objects, widget['/AP'] as QpdfValue) as Record<string, string>
  const stream = (await runBytes('qpdf', [`--show-object=${ap['/N'].split(' ')[0]}`, '--filtered-stream-data', signedFile])).toString('latin1')
  t.match(stream, /\b0 g\b/, 'filled black')
  t.match(stream, /\/F1 10 Tf/, '10 pt')
  t.notMatch(stream, /\bDo\b|\bBI\b/, 'no image in the block')
  const font = deref(objects, (deref(objects, ap['/N'])['/Resources'] as Record<string, Record<string, string>>)['/Font']['/F1'])
  t.match(font['/BaseFont'], /^\/[A-Z]{6}\+Tinos-Regular$/, 'Tinos, embedded subset')

  // Rendered: glyphs are drawn (not blank, the fontkit pitfall) and only the top right corner differs.
  const dpi = 150
  const s = dpi / 72
  const [after, before] = await Promise.all([render(signedFile, 1, dpi, dir), render(unsignedFile, 1, dpi, dir)])
  const inBlock = darkPixels(after, box.x0 * s, box.y0 * s, box.x1 * s, box.y1 * s, 100) - darkPixels(before, box.x0 * s, box.y0 * s, box.x1 * s, box.y1 * s, 100)
  t.ok(inBlock > 1500, `${inBlock} more dark pixels in the block`)
  let outside = 0
  for (let y = 0; y < after.height; y++) {
    for (let x = 0; x < after.width; x++) {
      const i = y * after.width + x
      if (after.data[i] !== before.data[i] && !(y < (box.y1 + 4) * s && x > (box.x0 - 80) * s)) outside++
    }
  }
  t.equal(outside, 0, 'no pixel changed outside the block and its QR code')
})

t.test('the QR code left of the block decodes to the verification URL', async t => {
  const png = await runBytes('pdftoppm', ['-r', '150', '-f', '1', '-l', '1', '-singlefile', '-png', signedFile])
  const found = await readBarcodes(new Uint8Array(png), { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 2 })
  t.same(found.map(f => f.text), [verifyUrl])
  const position = found[0].position
  t.ok(position.topLeft.y < 60 * 150 / 72 && position.topRight.x > 300 * 150 / 72, 'in the top right corner')
})

t.test('PDF/A structure survives signing: one revision, same /ID and XMP, widget and form as PDF/A-2 asks', async t => {
  const check = await run('qpdf', ['--check', signedFile])
  t.equal(check.code, 0, 'qpdf --check exits 0')
  const signed = Buffer.from(one.signed)
  t.equal(signed.subarray(0, 9).toString('latin1'), '%PDF-1.7\n')
  t.match(signed.subarray(-7).toString('latin1'), /%%EOF\n?$/, 'nothing after %%EOF but an end of line')
  t.equal(signed.toString('latin1').split('%%EOF').length - 1, 1, 'a single revision (no incremental update without /ID)')
  t.notOk(signed.includes('/ObjStm'), 'no object streams')
  t.equal(xmpOf(one.signed), xmpOf(one.unsigned), 'XMP unchanged')
  const [a, b] = await Promise.all([qpdfObjects(signedFile), qpdfObjects(unsignedFile)])
  t.same((a.get('trailer')!.value as Record<string, QpdfValue>)['/ID'], (b.get('trailer')!.value as Record<string, QpdfValue>)['/ID'], 'trailer /ID unchanged')
  const catalog = deref(a, (a.get('trailer')!.value as Record<string, QpdfValue>)['/Root'])
  const form = deref(a, catalog['/AcroForm'])
  t.equal(form['/SigFlags'], 3)
  t.equal(form['/NeedAppearances'], undefined)
  const widget = deref(a, (form['/Fields'] as string[])[0])
  t.equal(widget['/F'], 4, 'printable, not hidden')
  t.same(Object.keys(widget['/AP'] as object), ['/N'], 'appearance: /N only')
  t.equal(widget['/FT'], '/Sig')
  const sig = deref(a, widget['/V'])
  t.equal(sig['/SubFilter'], '/ETSI.CAdES.detached')
  t.equal(sig['/Reason'], 'u:SAO Y')
  t.equal(sig['/Name'], 'u:UY BAN NHAN DAN HUYEN CHU SE', 'ASCII name in the dictionary')
  t.ok(String(sig['/Contents']).length - 2 >= 16384, 'room for a CA chain')
  const fonts = (await run('pdffonts', [signedFile])).stdout
  t.equal(fonts.match(/[A-Z]{6}\+Tinos-Regular +CID TrueType +Identity-H +yes yes yes/g)?.length, 2, 'text layer and block fonts, both embedded subsets')
})

t.test('a long agency name wraps inside a bounded block; no test line for a real certificate; no QR without a URL', async t => {
  const long = 'BAN QUẢN LÝ DỰ ÁN ĐẦU TƯ XÂY DỰNG VÀ PHÁT TRIỂN QUỸ ĐẤT KHU VỰC HUYỆN CHƯ PƯH'
  // No text layer this time: every word pdftotext finds on the page is the block's.
  const bare = await buildArchivalPdf({ ...record([master1]), pages: [{ image: master1, dpi: 300 }] })
  const out = await signSaoY(bare, options({ agencyName: long, testCertificate: false, verifyUrl: undefined }))
  const file = await writePdf(dir, 'long.pdf', out)
  t.match(await pdfsig(file), /Signature is Valid\./)
  const block = await bboxWords(file, 1)
  const n = 2 + long.split(' ').length + 1
  t.equal(block.length, n)
  t.same(block.slice(0, n - 1).map(w => w.text), ['SAO', 'Y', ...long.split(' ')])
  t.match(block[n - 1].text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/, 'then the time')
  const rows = new Set(block.map(w => Math.round(w.yMin)))
  t.ok(rows.size >= 4, `${rows.size} lines: the name wraps`)
  const width = Math.max(...block.map(w => w.xMax)) - Math.min(...block.map(w => w.xMin))
  t.ok(width <= 225, `block text ${width.toFixed(0)} pt wide`)
  t.notOk((await run('pdftotext', [file, '-'])).stdout.includes('THỬ NGHIỆM'), 'no test line')
  const png = await runBytes('pdftoppm', ['-r', '100', '-f', '1', '-l', '1', '-singlefile', '-png', file])
  t.same(await readBarcodes(new Uint8Array(png), { formats: ['QRCode'] }), [], 'no QR code')
})

t.test('certificates: what readP12 says, and clear errors; refusals', async t => {
  const info = await readP12(p12, passphrase)
  t.equal(info.subjectName, `${agencyName} (THỬ NGHIỆM)`)
  t.equal(info.subject, info.issuerName)
  t.match(info.subject, /^CN=ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ \(THỬ NGHIỆM\), OU=CHỨNG THƯ THỬ NGHIỆM - TEST CERTIFICATE, O=ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ, C=VN$/)
  t.equal(info.selfSigned, true)
  t.equal(info.keyType, 'rsa')
  t.equal(info.chainLength, 0)
  t.equal(Math.round((info.notAfter.getTime() - info.notBefore.getTime()) / 86_400_000), 30)
  t.ok(info.notBefore.getTime() <= Date.now())
  t.match(info.fingerprintSha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)

  const code = async (f: () => Promise<unknown>): Promise<string> => {
    const err = await f().then(() => null, e => e)
    return isAppError(err) ? err.code : String(err)
  }
  t.equal(await code(async () => await readP12(p12, 'sai mật khẩu')), 'CERT_PASSWORD')
  t.equal(await code(async () => await readP12(p12.subarray(0, p12.length - 200), passphrase)), 'CERT_INVALID', 'truncated')
  t.equal(await code(async () => await readP12(Buffer.from('-----BEGIN CERTIFICATE-----\nnot der\n'), passphrase)), 'CERT_INVALID', 'not DER')
  t.equal(await code(async () => await readP12(new Uint8Array(0), passphrase)), 'CERT_INVALID', 'empty')
  t.equal(await code(async () => await signSaoY(one.unsigned, options({ passphrase: 'sai' }))), 'CERT_PASSWORD')

  const old = await createSelfSignedP12({ agencyName, passphrase, days: 30, notBefore: new Date(Date.now() - 90 * 86_400_000) })
  t.equal(await code(async () => await signSaoY(one.unsigned, options({ p12: old }))), 'CERT_EXPIRED')
  const future = await createSelfSignedP12({ agencyName, passphrase, days: 30, notBefore: new Date(Date.now() + 86_400_000) })
  t.equal(await code(async () => await signSaoY(one.unsigned, options({ p12: future }))), 'CERT_NOT_YET_VALID')
  t.equal(await code(async () => await createSelfSignedP12({ agencyName: ' ', passphrase, days: 1 })), 'VALIDATION')
  t.equal(await code(async () => await signSaoY(one.signed, options())), 'ARCHIVE_FAILED', 'a signed PDF is not signed again (that would break the first signature)')
})

const openssl = (await run('openssl', ['version'])).code === 0
t.test('a CA-issued certificate (openssl): EC P-256 key, UTF-8 names and passphrase, the CA in the file', { skip: openssl ? false : 'openssl is not installed' }, async t => {
  const f = (name: string): string => join(dir, name)
  const ok = async (args: string[]): Promise<void> => {
    const r = await run('openssl', args)
    if (r.code !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`)
  }
  await ok(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '30', '-utf8',
    '-subj', '/C=VN/O=BAN CƠ YẾU CHÍNH PHỦ/CN=CA THỬ NGHIỆM CHUYÊN DÙNG', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'basicConstraints=critical,CA:TRUE'])
  await ok(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-utf8',
    '-subj', `/C=VN/ST=Gia Lai/O=${agencyName}/CN=${agencyName}`])
  await writeFile(f('leaf.ext'), 'keyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=critical,CA:FALSE\n')
  await ok(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '10', '-out', f('leaf.crt'),
    '-extfile', f('leaf.ext')])
  await ok(['pkcs12', '-export', '-inkey', f('leaf.key'), '-in', f('leaf.crt'), '-certfile', f('ca.crt'), '-out', f('leaf.p12'), '-passout', 'pass:bí mật'])
  const caP12 = readFileSync(f('leaf.p12'))

  const info = await readP12(caP12, 'bí mật')
  t.equal(info.subjectName, agencyName)
  t.equal(info.selfSigned, false)
  t.equal(info.keyType, 'ec')
  t.equal(info.chainLength, 1)
  t.match(info.issuerName, /^CN=CA THỬ NGHIỆM CHUYÊN DÙNG, O=BAN CƠ YẾU CHÍNH PHỦ, C=VN$/)

  const signed = await signSaoY(one.unsigned, options({ p12: caP12, passphrase: 'bí mật', testCertificate: false }))
  const file = await writePdf(dir, 'ca.pdf', signed)
  const out = await pdfsig(file)
  t.match(out, /Signature Validation: Signature is Valid\./)
  t.match(out, `Signer Certificate Common Name: ${agencyName}`)
  t.match(out, 'Signing Hash Algorithm: SHA-256')

  // Our own files open in OpenSSL too, whatever the passphrase (AES for ASCII ones, 3DES otherwise).
  const ours = f('ours.p12')
  await writeFile(ours, p12)
  t.equal((await run('openssl', ['pkcs12', '-in', ours, '-passin', `pass:${passphrase}`, '-noout'])).code, 0, 'openssl opens our test certificate (Vietnamese passphrase)')
  await writeFile(f('ascii.p12'), await createSelfSignedP12({ agencyName, passphrase: 'ascii-only', days: 1 }))
  t.equal((await run('openssl', ['pkcs12', '-in', f('ascii.p12'), '-passin', 'pass:ascii-only', '-noout'])).code, 0, 'and one with an ASCII passphrase (AES-256)')

  // The CMS carries the chain: cut it out of /Contents and let openssl list its certificates.
  const bytes = Buffer.from(signed)
  const range = bytes.toString('latin1').match(/\/ByteRange \[\s*0 (\d+) (\d+) (\d+)\s*\]/)!
  const padded = Buffer.from(bytes.toString('latin1', Number(range[1]) + 1, Number(range[2]) - 1), 'hex')
  t.equal(padded[0], 0x30, 'a DER SEQUENCE')
  // The placeholder is zero-padded after the DER: take exactly the SEQUENCE's length (long form, 2 bytes here).
  t.equal(padded[1], 0x82)
  const cms = f('sig.der')
  await writePdf(dir, 'sig.der', padded.subarray(0, 4 + padded.readUInt16BE(2)))
  const certs = await run('openssl', ['pkcs7', '-inform', 'DER', '-in', cms, '-print_certs', '-noout'])
  t.equal(certs.stdout.match(/^subject=/gm)?.length, 2, 'signer and CA certificates in the CMS')
})
