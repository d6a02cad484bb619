// Cover sheets printed from the inventory: the PDF, rasterised by poppler as a scanner would see it, carries a QR
// code the separator detector reads back as the file's unit, codes, box, file and inventory id.
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { closeSeparatorDetector, detectSeparator } from '../../appliance/src/separator/index.js'
import { openHarness } from '../units/harness.js'

const run = promisify(execFile)

t.test('separator sheets from the inventory', async t => {
  t.teardown(async () => { await closeSeparatorDetector() })
  const h = await openHarness(t)
  const file = await h.inventory.addFile({ unit: '622', box: '12', number: '3', title: 'Giấy phép xây dựng 2016', resultTypeCode: 'KQ.G15.000031', procedureCode: '1.009972', dossierCode: '000.00.22.H21-160505-0001', yearFrom: 2016, yearTo: 2016, retention: 'permanent', countedPages: 40 })
  await h.inventory.addFile({ unit: '622', box: '12', number: '4', title: 'Khai sinh 2016', yearFrom: 2016, yearTo: 2016, retention: 'permanent', countedPages: 10 })
  await h.inventory.addFile({ unit: '622', box: '13', number: '1', title: 'Khai tử 2016', yearFrom: 2016, yearTo: 2016, retention: '70y', countedPages: 5 })

  const one = await h.call('read', 'GET', `/api/v1/inventory/files/${file.id}/separator.pdf`)
  t.equal(one.status, 200, one.body.slice(0, 200))
  t.equal(one.headers['content-type'], 'application/pdf')
  t.equal(one.raw.subarray(0, 5).toString(), '%PDF-')
  const pdf = join(h.dir, 'sheet.pdf')
  await writeFile(pdf, one.raw)
  await run('pdftoppm', ['-r', '150', '-gray', '-png', '-singlefile', pdf, join(h.dir, 'sheet')])
  const info = await detectSeparator(await readFile(join(h.dir, 'sheet.png')))
  t.same(info, { unit: '622', dossierCode: '000.00.22.H21-160505-0001', procedureCode: '1.009972', resultTypeCode: 'KQ.G15.000031', box: '12', file: '3', inventoryFileId: file.id }, 'the sheet names its file')
  // What the scanned sheet says files the record under this inventory file.
  t.same(await h.inventory.onRecordChanged({ recordId: 'r_1', unit: info!.unit, inventoryFileId: info!.inventoryFileId, box: info!.box, file: info!.file, status: 'draft', pageCount: 40 }), { fileId: file.id })

  const box = await h.call('read', 'GET', '/api/v1/inventory/separators.pdf?unit=622&box=12')
  t.equal(box.status, 200)
  await writeFile(pdf, box.raw)
  const { stdout } = await run('pdfinfo', [pdf])
  t.match(stdout, /Pages:\s+2\n/, 'one sheet per file of the box')
  t.equal((await h.call('read', 'GET', '/api/v1/inventory/separators.pdf?unit=622&box=99')).status, 404)
  t.equal((await h.call('read', 'GET', '/api/v1/inventory/separators.pdf')).status, 400, 'a unit is required')
  t.equal((await h.call('read', 'GET', '/api/v1/inventory/files/if_00000000000000000000000/separator.pdf')).status, 404)
})
