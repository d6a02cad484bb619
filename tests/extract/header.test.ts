import t from 'tap'
import { FIELD_NAMES, extractFields } from '../../appliance/src/extract/index.js'
import { A4, H, documentLines, documentPage, page, type LineSpec } from './layout-builder.js'

const values = (f: ReturnType<typeof extractFields>): Record<string, string | null> =>
  Object.fromEntries(FIELD_NAMES.map(k => [k, f[k].value]))

t.test('a decision laid out as NĐ 30 prescribes: every field, its box and a high confidence', async t => {
  const f = extractFields([documentPage()])
  t.same(values(f), {
    documentType: 'QUYẾT ĐỊNH',
    documentNumber: '12/2019/QĐ-UBND',
    issuedDate: '2019-03-05',
    issuer: 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI',
    summary: 'Về việc thu hồi đất của hộ ông (bà) Nguyễn Văn An',
    signer: 'Trần Thị Bình',
    signerTitle: 'PHÓ CHỦ TỊCH',
    subjectName: 'Nguyễn Văn An',
    subjectId: '064085012345',
    validUntil: null
  })
  for (const [name, field] of Object.entries(f)) {
    if (field.value === null) {
      t.same(field, { value: null, confidence: 0, boxes: [] }, `${name}: missing is null, 0, no box`)
      continue
    }
    t.ok(field.confidence > 0.8 && field.confidence <= 1, `${name}: confidence ${field.confidence}`)
    t.equal(field.boxes.length, 1, `${name}: one box on one page`)
    const b = field.boxes[0]
    t.ok(b.page === 0 && b.x0 >= 0 && b.x1 <= A4.width && b.y0 >= 0 && b.y1 <= A4.height && b.x1 > b.x0 && b.y1 > b.y0, `${name}: box inside the page`)
  }
  // The number's box covers the number, not the label; the issuer's box spans both of its lines.
  const number = f.documentNumber.boxes[0]
  t.ok(number.y1 - number.y0 <= H + 2, 'number box is one line high')
  t.ok(f.issuer.boxes[0].y1 - f.issuer.boxes[0].y0 > 1.5 * H, 'issuer box spans two lines')
  t.ok(f.signer.boxes[0].y0 > f.signerTitle.boxes[0].y1, 'signer under the title')
  t.ok(f.issuedDate.boxes[0].x0 > A4.width / 2, 'date read in the right column')
})

t.test('number and notation as printed and as misread', async t => {
  const cases: Array<[string, string | null, string[]?]> = [
    ['Số: 12/2019/QĐ-UBND', '12/2019/QĐ-UBND'],
    ['Số 12 /QĐ-UBND', '12/QĐ-UBND'],
    ['Số:1470/GPXD-UBND', '1470/GPXD-UBND'],
    ['Số: 1470 / GPXD - UBND', '1470/GPXD-UBND'],
    ['Số: 95496049', '95496049'],
    ['So: 12/QD-UBND', '12/QĐ-UBND', ['OCR_REPAIRED']],
    ['Số: l2/2O19/QĐ-UBND', '12/2019/QĐ-UBND', ['OCR_REPAIRED']],
    ['Số: 12/QĐ–UBND.', '12/QĐ-UBND'],
    ['S0: 1696/QĐ-UBND', '1696/QĐ-UBND'],
    ['S6: 36595682', '36595682'],
    ['Số: ......./QĐ-UBND', null],
    ['Số CCCD: 064085012345', null]
  ]
  for (const [printed, expected, warnings] of cases) {
    const f = extractFields([documentPage({ number: printed })])
    t.equal(f.documentNumber.value, expected, printed)
    if (warnings) t.same(f.documentNumber.warnings, warnings, `${printed}: warned`)
    if (expected === null) t.equal(f.documentNumber.confidence, 0, `${printed}: no confidence`)
  }
  const repaired = extractFields([documentPage({ number: 'So: 12/QD-UBND' })]).documentNumber.confidence
  const clean = extractFields([documentPage()]).documentNumber.confidence
  t.ok(repaired < clean, `a repaired number is less sure (${repaired} < ${clean})`)
})

t.test('issue date written out, unaccented, with look-alike digits, or impossible', async t => {
  const cases: Array<[string, string | null]> = [
    ['Ia Grai, ngày 5 tháng 3 năm 2019', '2019-03-05'],
    ['Ia Grai, ngày 05 tháng 03 năm 2019', '2019-03-05'],
    ['Ia Grai, ngay 05 thang 03 nam 2019', '2019-03-05'],
    ['Pleiku, ngày 3l tháng 12 năm 2O19', '2019-12-31'],
    ['Hà Nội, ngày  24  tháng 02 năm 2018.', '2018-02-24'],
    ['Ia Grai, ngày 24/02/2018', '2018-02-24'],
    ['Ia Grai, 24-02-2018', '2018-02-24'],
    ['Ia Grai, ng ày 5 tháng 3 năm 2019', '2019-03-05'],
    ['Ia Grai, ngày 30 tháng 02 năm 2019', null],
    ['Ia Grai, ngày .... tháng .... năm 20...', null]
  ]
  for (const [printed, expected] of cases) {
    const f = extractFields([documentPage({ dateLine: printed })])
    t.equal(f.issuedDate.value, expected, printed)
  }
})

t.test('a date in the body is not the issue date', async t => {
  const f = extractFields([documentPage({ dateLine: null })])
  t.equal(f.issuedDate.value, null, 'the "Căn cứ ... ngày 29 tháng 11 năm 2013" line is not taken')
  t.equal(f.documentNumber.value, '12/2019/QĐ-UBND', 'the rest of the head still read')
})

t.test('a certificate dated above its signature, not under the motto', async t => {
  const lines = documentLines({ dateLine: null, signature: ['CHỦ TỊCH'] })
  const title = lines.find(l => l.text === 'CHỦ TỊCH')!
  lines.push({ text: 'Ia Grai, ngày 07 tháng 4 năm 2019', x: 1740, y: title.y - 90, align: 'centre' })
  const f = extractFields([page(lines)])
  t.equal(f.issuedDate.value, '2019-04-07')
  t.ok(f.issuedDate.confidence < extractFields([documentPage()]).issuedDate.confidence, 'less sure than a date in the head')
  t.equal(f.signer.value, 'Trần Thị Bình')
})

t.test('issuer: parent body and issuing body, header lines the engine joined across the columns', async t => {
  const three = extractFields([documentPage({ issuer: ['UBND TỈNH GIA LAI', 'SỞ TƯ PHÁP'] })])
  t.equal(three.issuer.value, 'UBND TỈNH GIA LAI SỞ TƯ PHÁP')

  // Engines in AUTO mode give "ỦY BAN NHÂN DÂN    CỘNG HÒA XÃ HỘI ..." as one line, and may split "Số:" off.
  const lines = documentLines({})
  const national = lines.find(l => l.text.startsWith('CỘNG HÒA'))!
  const agency = lines.find(l => l.text === 'ỦY BAN NHÂN DÂN')!
  const joined = [national, { ...agency, sameLineAsPrevious: true }, ...lines.filter(l => l !== national && l !== agency)]
  const f = extractFields([page(joined)])
  t.equal(f.issuer.value, 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI', 'columns split at the wide gap')
  t.equal(f.documentType.value, 'QUYẾT ĐỊNH')

  const numberLine = lines.find(l => l.text.startsWith('Số:'))!
  const moved = lines.filter(l => l !== numberLine)
  moved.push({ text: 'Số:', x: 560, y: numberLine.y })
  moved.push({ text: '12/2019/QĐ-UBND', x: 560 + 3 * 0.5 * H + 0.35 * H, y: numberLine.y })
  const g = extractFields([page(moved)])
  t.equal(g.documentNumber.value, '12/2019/QĐ-UBND', 'label and number joined on their baseline')
})

t.test('an unreadable number line is not part of the issuer', async t => {
  const f = extractFields([documentPage({ number: 'SG: BDD/GP.XD-UBND' })])
  t.equal(f.documentNumber.value, null)
  t.equal(f.issuer.value, 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI')
  const g = extractFields([page(documentLines({ number: null }).concat([{ text: 'SE HIOHDPEDRUADIDLDE', x: 500, y: 400, conf: 5 }]))])
  t.equal(g.issuer.value, 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI', 'nor is a line of garbage read with no confidence')
})

t.test('a sheet scanned shifted: the title is centred on the header, not on the image', async t => {
  const shifted = documentLines({}).map(l => ({ ...l, x: l.x - 300, y: l.y + 150 }))
  const f = extractFields([page(shifted)])
  t.equal(f.documentType.value, 'QUYẾT ĐỊNH')
  t.equal(f.summary.value, 'Về việc thu hồi đất của hộ ông (bà) Nguyễn Văn An')
  t.equal(f.signer.value, 'Trần Thị Bình')
})

t.test('type on two lines, summary on two lines, a permit with a plain summary', async t => {
  const f = extractFields([documentPage({
    type: ['GIẤY CHỨNG NHẬN', 'ĐĂNG KÝ HỘ KINH DOANH'],
    summary: ['Về việc thu hồi đất của hộ ông (bà) Nguyễn Văn An', 'tại xã Ia Dêr, huyện Ia Grai']
  })])
  t.equal(f.documentType.value, 'GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH')
  t.equal(f.summary.value, 'Về việc thu hồi đất của hộ ông (bà) Nguyễn Văn An tại xã Ia Dêr, huyện Ia Grai')
  const g = extractFields([documentPage({ type: ['GIẤY PHÉP XÂY DỰNG'], summary: ['Nhà ở riêng lẻ'] })])
  t.equal(g.documentType.value, 'GIẤY PHÉP XÂY DỰNG')
  t.equal(g.summary.value, 'Nhà ở riêng lẻ')
  t.notOk(g.documentType.warnings, 'no warning on a clean read')
})

t.test('an official letter: no type name, the summary "V/v ..." under the number', async t => {
  const lines = documentLines({ type: [], summary: [] })
  const numberLine = lines.find(l => l.text.startsWith('Số:'))!
  lines.push({ text: 'V/v cấp phép xây dựng', x: 750, y: numberLine.y + 75, align: 'centre', h: 44 })
  lines.push({ text: 'nhà ở riêng lẻ', x: 750, y: numberLine.y + 130, align: 'centre', h: 44 })
  const f = extractFields([page(lines.sort((a, b) => a.y - b.y))])
  t.equal(f.documentType.value, null)
  t.equal(f.summary.value, 'V/v cấp phép xây dựng nhà ở riêng lẻ')
  t.equal(f.documentNumber.value, '12/2019/QĐ-UBND')
})

t.test('read without accents, as a poor scan gives it', async t => {
  const f = extractFields([documentPage({
    issuer: ['UY BAN NHAN DAN', 'HUYEN IA GRAI'],
    number: 'So: 12/QD-UBND',
    dateLine: 'Ia Grai, ngay 05 thang 03 nam 2019',
    type: ['QUYET DINH'],
    summary: ['Ve viec thu hoi dat cua ho ong (ba) Nguyen Van An'],
    body: ['Dieu 1. Thu hoi dat cua ho ong (ba) Nguyen Van An, CCCD so O64085012345.'],
    signature: ['KT. CHU TICH', 'PHO CHU TICH'],
    signer: 'Tran Thi Binh'
  })])
  t.same(values(f), {
    documentType: 'QUYET DINH',
    documentNumber: '12/QĐ-UBND',
    issuedDate: '2019-03-05',
    issuer: 'UY BAN NHAN DAN HUYEN IA GRAI',
    summary: 'Ve viec thu hoi dat cua ho ong (ba) Nguyen Van An',
    signer: 'Tran Thi Binh',
    signerTitle: 'PHÓ CHỦ TỊCH',
    subjectName: 'Nguyen Van An',
    subjectId: '064085012345',
    validUntil: null
  })
  // A position is a known list: the accent-folded reading is snapped to it, and says so.
  t.same({ raw: f.signerTitle.raw, snapped: f.signerTitle.snapped }, { raw: 'PHO CHU TICH', snapped: { list: 'positions', distance: 3 } })
})

t.test('a skewed page (2 degrees, not straightened) still reads', async t => {
  for (const skewDeg of [2, -2]) {
    const f = extractFields([documentPage({}, { skewDeg })])
    t.equal(f.documentNumber.value, '12/2019/QĐ-UBND', `${skewDeg}°: number`)
    t.equal(f.issuedDate.value, '2019-03-05', `${skewDeg}°: date`)
    t.equal(f.issuer.value, 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI', `${skewDeg}°: issuer`)
    t.equal(f.documentType.value, 'QUYẾT ĐỊNH', `${skewDeg}°: type`)
    t.equal(f.signer.value, 'Trần Thị Bình', `${skewDeg}°: signer`)
  }
})

t.test('an engine that lost the line grouping (each word its own line), on a skewed page', async t => {
  const f = extractFields([documentPage({}, { wordLines: true, skewDeg: 1.5 })])
  t.same(values(f), values(extractFields([documentPage()])), 'the same fields as from a straight, well-grouped page')
})

t.test('missing fields are null with no confidence; empty input is safe', async t => {
  const body = page([
    { text: 'Căn cứ Luật Đất đai ngày 29 tháng 11 năm 2013;', x: 480, y: 900 },
    { text: 'Xét đề nghị của Trưởng phòng Tài nguyên và Môi trường,', x: 480, y: 990 }
  ])
  for (const input of [[], [body], [{ text: '', confidence: 0, words: [], width: 100, height: 100 }]]) {
    const f = extractFields(input)
    for (const name of FIELD_NAMES) t.same(f[name], { value: null, confidence: 0, boxes: [] }, `${name} of ${input.length} page(s)`)
    t.same(f.parties, { value: [], confidence: 0, boxes: [] }, `no parties in ${input.length} page(s)`)
  }
})

t.test('low OCR confidence lowers the field confidence', async t => {
  const lines = documentLines({})
  const shaky = lines.map(l => (l.text.startsWith('Số:') ? { ...l, conf: 40 } : l))
  const f = extractFields([page(shaky)])
  t.equal(f.documentNumber.value, '12/2019/QĐ-UBND')
  t.ok(f.documentNumber.confidence < 0.5, `confidence ${f.documentNumber.confidence}`)
  t.same(f.documentNumber.warnings, ['OCR_LOW_CONFIDENCE'], 'the reviewer is told to look')
  t.notOk(f.issuer.warnings, 'other fields are not')
})

t.test('a record of two pages: head on the first, signature on the last', async t => {
  const lines = documentLines({})
  const first = lines.filter(l => l.y < 1150)
  const second = lines.filter(l => l.y >= 1150).map(l => ({ ...l, y: l.y - 900 }))
  const f = extractFields([page(first), page(second)])
  t.equal(f.documentNumber.value, '12/2019/QĐ-UBND')
  t.equal(f.signer.value, 'Trần Thị Bình')
  t.equal(f.signer.boxes[0].page, 1, 'signer boxed on page 1')
  t.equal(f.documentNumber.boxes[0].page, 0, 'number boxed on page 0')
})
