// The whole path of a record's legal value on a really running appliance: a posted scan is recognised, its fields
// read; a reviewer corrects one (ETag/If-Match), approves it; the node signs a PDF/A "SAO Y" copy that poppler's
// own tools accept, logs it, packages it; anyone can verify it; validity changes are logged; `sohoa verify` finds a
// flipped byte and names the record.
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { createToken, ROOT, startAppliance, truth, waitForBatch } from '../helpers/appliance.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'
import { unzip } from '../helpers/zip.js'

const run = promisify(execFile)

async function login (url: string, username: string, password: string): Promise<{ cookie: string, csrf: string }> {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`)
  return { cookie: res.headers.get('set-cookie')!.split(';')[0], csrf: ((await res.json()) as any).csrfToken }
}

t.test('post → fields → review → approve → signed, logged, verifiable', async t => {
  const dataDir = await tempDir(t)
  const app = await startAppliance({ dataDir, env: { SOHOA_UNIT: '623', SOHOA_OCR_WORKERS: '2' } })
  t.teardown(() => app.stop())
  const admin = await createToken(app.url, 'admin')
  const auth = { authorization: `Bearer ${admin.secret}` }
  for (const [username, roles] of [['kiemtra', ['reviewer']], ['vanhanh', ['operator']]] as const) {
    const res = await fetch(`${app.url}/api/v1/users`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ username, password: `mat-khau-${username}`, roles }) })
    t.equal(res.status, 201)
  }
  const sample = truth().find(r => r.file === '0000.jpg')!
  const posted = await fetch(`${app.url}/api/v1/pages?unit=623&filename=${encodeURIComponent('giấy phép.jpg')}`, {
    method: 'POST', headers: { ...auth, 'content-type': 'image/jpeg' }, body: await readFile(join(CORPUS, sample.file))
  })
  t.equal(posted.status, 201)
  const { batchId, recordId } = await posted.json() as any
  await waitForBatch(app.url, admin.secret, batchId)

  const got = await fetch(`${app.url}/api/v1/records/${recordId}`, { headers: auth })
  t.equal(got.headers.get('etag'), '"0"')
  const record = await got.json() as any
  t.equal(record.status, 'draft')
  t.equal(record.fields.documentNumber.value, sample.so_ky_hieu, 'the number is read from the scan')
  t.equal(record.fields.issuedDate.value, sample.ngay_ban_hanh, 'the date is read from the scan')
  t.ok(record.pages[0].hasPreview)
  const preview = await fetch(`${app.url}/api/v1/records/${recordId}/pages/1/preview`, { headers: auth })
  t.equal(preview.headers.get('content-type'), 'image/jpeg')

  // Review: the operator may not; the reviewer edits with the version, a stale version is refused.
  const operator = await login(app.url, 'vanhanh', 'mat-khau-vanhanh')
  const reviewer = await login(app.url, 'kiemtra', 'mat-khau-kiemtra')
  const as = (s: { cookie: string, csrf: string }, extra: Record<string, string> = {}) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json', ...extra })
  const patch = (s: { cookie: string, csrf: string }, version: string | null, body: unknown) =>
    fetch(`${app.url}/api/v1/records/${recordId}`, { method: 'PATCH', headers: as(s, version === null ? {} : { 'if-match': version }), body: JSON.stringify(body) })
  t.equal((await patch(operator, '"0"', { fields: { summary: 'x' } })).status, 403, 'an operator cannot review')
  t.equal((await patch(reviewer, null, { fields: { summary: 'Nhà ở riêng lẻ' } })).status, 428, 'no If-Match: 428')
  const edited = await patch(reviewer, '"0"', { fields: { summary: 'Nhà ở riêng lẻ', signer: sample.nguoi_ky }, codes: { dossierCode: '000.00.23.H21-180224-0001' } })
  t.equal(edited.status, 200)
  t.equal(edited.headers.get('etag'), '"1"')
  const stale = await patch(reviewer, '"0"', { fields: { summary: 'khác' } })
  t.equal(stale.status, 412)
  t.match(await stale.json(), { error: 'VERSION_CONFLICT', message: /người khác/ })
  const badDate = await patch(reviewer, '"1"', { fields: { issuedDate: '31/02/2018' } })
  t.equal(badDate.status, 400)

  t.equal((await fetch(`${app.url}/api/v1/records/${recordId}/approve`, { method: 'POST', headers: as(operator) })).status, 403, 'an operator cannot approve')
  const approved = await fetch(`${app.url}/api/v1/records/${recordId}/approve`, { method: 'POST', headers: as(reviewer, { 'if-match': '"1"' }) })
  t.equal(approved.status, 200)
  t.equal(((await approved.json()) as any).status, 'approved')

  let archived: any
  for (let i = 0; i < 200; i++) {
    archived = await (await fetch(`${app.url}/api/v1/records/${recordId}`, { headers: auth })).json()
    if (archived.status === 'archived') break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.equal(archived.status, 'archived')
  t.equal(archived.pdf.filename, '000.00.23.H21-180224-0001.01.pdf', 'named <dossier code>.<NN>.pdf')
  t.equal(archived.pdf.testCertificate, true, 'no agency certificate configured: a flagged test certificate')
  t.equal(archived.validity.state, 'valid')
  t.ok(archived.retention)
  t.equal((await patch(reviewer, `"${archived.version as number}"`, { fields: { summary: 'sửa' } })).status, 409, 'an archived record never changes')

  // The PDF, checked by independent tools.
  const pdfRes = await fetch(`${app.url}/api/v1/records/${recordId}/document.pdf`, { headers: auth })
  t.equal(pdfRes.status, 200)
  const pdfFile = join(dataDir, 'copy.pdf')
  await writeFile(pdfFile, Buffer.from(await pdfRes.arrayBuffer()))
  const sig = await run('pdfsig', [pdfFile])
  t.match(sig.stdout, /Signature is Valid\./, 'pdfsig: the signature is valid')
  t.match(sig.stdout, /ỦY BAN NHÂN DÂN THỊ XÃ AN KHÊ/, 'signed in the name of the node\'s unit')
  const text = (await run('pdftotext', ['-enc', 'UTF-8', pdfFile, '-'])).stdout.normalize('NFC')
  t.match(text, /SAO Y/)
  t.match(text, /GIẤY PHÉP XÂY DỰNG/, 'the Vietnamese text layer is there')
  const images = (await run('pdfimages', ['-list', pdfFile])).stdout
  t.match(images, /rgb\s+3\s+8/, 'colour, 24-bit')
  const ppi = Number(images.trim().split('\n')[2].trim().split(/\s+/)[12])
  t.ok(ppi >= 200, `at least 200 ppi (${ppi})`)

  // Public verification: no session, no personal data.
  const pub = await fetch(`${app.url}/verify/${archived.archiveId as string}`, { headers: { accept: 'application/json' } })
  t.equal(pub.status, 200)
  const view = await pub.json() as any
  t.match(view, { exists: true, documentNumber: sample.so_ky_hieu, validity: { state: 'valid' } })
  const sha = (await run('sha256sum', [pdfFile])).stdout.split(' ')[0]
  t.equal(view.pdfSha256, sha, 'the verification page gives the PDF\'s SHA-256')
  t.notMatch(JSON.stringify(view), sample.so_dinh_danh, 'no personal ID number')
  t.notMatch(JSON.stringify(view), sample.chu_the, 'no personal name')
  const html = await fetch(`${app.url}/verify/${archived.archiveId as string}`)
  t.match(await html.text(), /Còn hiệu lực/)
  t.equal((await fetch(`${app.url}/verify/SH-623-0000000000000000000000000`)).status, 404)

  // The package lists every file with its SHA-256.
  const zip = await fetch(`${app.url}/api/v1/records/${recordId}/package.zip`, { headers: auth })
  t.equal(zip.status, 200)
  const entries = await unzip(Buffer.from(await zip.arrayBuffer()))
  t.ok([...entries.keys()].some(name => name.endsWith('METS.xml')), 'the package holds its METS.xml')

  // Validity: revoking needs a reason, is logged, shows on the verification page.
  const revoke = await fetch(`${app.url}/api/v1/records/${recordId}/validity`, { method: 'POST', headers: as(reviewer), body: JSON.stringify({ action: 'revoke', reason: 'Thu hồi theo quyết định số 12/QĐ-UBND' }) })
  t.equal(revoke.status, 200)
  t.equal(((await revoke.json()) as any).validity.state, 'revoked')
  t.match(await (await fetch(`${app.url}/verify/${archived.archiveId as string}`, { headers: { accept: 'application/json' } })).json(), { validity: { state: 'revoked' } })
  const del = await fetch(`${app.url}/api/v1/records/${recordId}`, { method: 'DELETE', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'thử xóa' }) })
  t.equal(del.status, 409, 'nothing is deleted before its retention ends')

  const events = await (await fetch(`${app.url}/api/v1/records/${recordId}/events`, { headers: auth })).json() as any[]
  t.same(['extraction', 'review', 'approval', 'signature', 'archiving', 'validity'].filter(type => !events.some(e => e.type === type)), [], 'every step is an event')

  // Integrity: stop, verify clean, flip one byte of the PDF on disk, verify names the record.
  await app.stop()
  const bin = join(ROOT, 'bin', 'sohoa.js')
  const env = { ...process.env, SOHOA_DATA_DIR: dataDir, SOHOA_LOG_LEVEL: 'silent' }
  const clean = await run(process.execPath, [bin, 'verify'], { env }).then(r => ({ code: 0, out: r.stdout + r.stderr }), e => ({ code: e.code, out: `${e.stdout as string}${e.stderr as string}` }))
  t.equal(clean.code, 0, `verify passes on an intact archive\n${clean.out}`)
  const stored = join(dataDir, 'files', sha.slice(0, 2), sha.slice(2, 4), sha)
  const bytes = await readFile(stored)
  bytes[Math.floor(bytes.length / 2)] ^= 0x01
  await writeFile(stored, bytes)
  const broken = await run(process.execPath, [bin, 'verify'], { env }).then(r => ({ code: 0, out: r.stdout + r.stderr }), e => ({ code: e.code, out: `${e.stdout as string}${e.stderr as string}` }))
  t.equal(broken.code, 1, 'verify fails')
  t.match(broken.out, recordId, 'and names the record')
})
