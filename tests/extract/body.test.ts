import t from 'tap'
import { checkPersonalId, extractFields } from '../../appliance/src/extract/index.js'
import { documentPage, page } from './layout-builder.js'

const NOW = new Date('2026-11-28T00:00:00Z')

t.test('personal ID structure: warnings only, never a rejection', async t => {
  t.same(checkPersonalId('064085012345', NOW), [], 'Gia Lai, male born 1985')
  t.same(checkPersonalId('052301012345', NOW), [], 'Bình Định, female born 2001')
  t.same(checkPersonalId('064 085 012 345', NOW), [], 'spaces as printed are ignored')
  t.same(checkPersonalId('003085012345', NOW), ['SUBJECT_ID_PROVINCE'], '003 is no province')
  t.same(checkPersonalId('099085012345', NOW), ['SUBJECT_ID_PROVINCE'])
  t.same(checkPersonalId('064585012345', NOW), ['SUBJECT_ID_GENDER_CENTURY'], 'G = 5: born in the 2100s')
  t.same(checkPersonalId('064398012345', NOW), ['SUBJECT_ID_BIRTH_YEAR'], 'born 2098: in the future')
  t.same(checkPersonalId('064226012345', NOW), [], 'born 2026: this year is fine')
  t.same(checkPersonalId('064227012345', NOW), ['SUBJECT_ID_BIRTH_YEAR'], 'born 2027: next year')
  t.same(checkPersonalId('064010012345', NOW), [], 'born 1910: 116 years old, possible')
  t.same(checkPersonalId('064000012345', NOW), ['SUBJECT_ID_BIRTH_YEAR'], 'born 1900: older than 120')
  t.same(checkPersonalId('230123456', NOW), ['SUBJECT_ID_OLD_CMND'], 'old 9-digit CMND accepted with a warning')
  t.same(checkPersonalId('06408501234', NOW), ['SUBJECT_ID_FORMAT'], '11 digits')
  t.same(checkPersonalId('06408501234X', NOW), ['SUBJECT_ID_FORMAT'], 'a letter')
  t.same(checkPersonalId('', NOW), ['SUBJECT_ID_FORMAT'], 'empty')
  t.same(checkPersonalId('003585012345', NOW), ['SUBJECT_ID_PROVINCE', 'SUBJECT_ID_GENDER_CENTURY'], 'several doubts at once')
})

const body = (lines: string[]): ReturnType<typeof extractFields> => extractFields([documentPage({ body: lines, summary: ['Nhà ở riêng lẻ'], type: ['GIẤY PHÉP XÂY DỰNG'] })])

t.test('the subject: labelled lines, honorifics, names printed in capitals', async t => {
  const cases: Array<[string[], string | null]> = [
    [['Cấp cho: Ông (bà) Nguyễn Hồng Quang', 'Số CCCD: 064346978488'], 'Nguyễn Hồng Quang'],
    [['Họ và tên: NGUYỄN VĂN AN', 'Số định danh cá nhân: 064085012345'], 'Nguyễn Văn An'],
    [['Họ, chữ đệm, tên: RƠ MAH NGỌC BLƠI', 'Họ, chữ đệm, tên người mẹ: Ksor Thị Hoa', 'Họ, chữ đệm, tên người cha: Rơ Mah Tuấn'], 'Rơ Mah Ngọc Blơi'],
    [['Tên hộ kinh doanh: Quán ăn Phúc', 'Chủ hộ kinh doanh: Hoàng Hữu Quang'], 'Hoàng Hữu Quang'],
    [['1. Họ và tên: Lê Thị Thu, sinh năm 1980'], 'Lê Thị Thu'],
    [['Ông/Bà: Siu Minh Quang'], 'Siu Minh Quang'],
    [['Cấp cho: Công ty TNHH Xây dựng Phú Thiện, địa chỉ thôn 1'], 'Công ty TNHH Xây dựng Phú Thiện'],
    [['Điều 1. Thu hồi đất của hộ ông (bà) Hồ Thị Lan, tại thửa đất số 76.'], 'Hồ Thị Lan'],
    [['Địa chỉ: thôn Hòa Bình, xã Dun, huyện Ia Grai.'], null]
  ]
  for (const [lines, expected] of cases) {
    const f = body(lines)
    t.equal(f.subjectName.value, expected, lines[0])
  }
  const f = body(['Họ, chữ đệm, tên: RƠ MAH NGỌC BLƠI'])
  t.ok(f.subjectName.boxes[0].x0 > 700, 'the box holds the name, not the label')
})

t.test('the subject ID: labels, spaces and look-alikes, the one nearest the name', async t => {
  const cases: Array<[string[], string | null, string[]?]> = [
    [['Cấp cho: Ông (bà) Nguyễn Hồng Quang', 'Số CCCD: 064346978488'], '064346978488', ['SUBJECT_ID_BIRTH_YEAR']],
    [['Điều 1. Thu hồi đất của hộ ông (bà) Hồ Thị Lan, CCCD số 064 085 O12 345,'], '064085012345'],
    [['Họ và tên: Lê Văn Tám', 'Số CMND: 230123456'], '230123456', ['SUBJECT_ID_OLD_CMND']],
    [['Họ và tên: Lê Văn Tám', 'Căn cước công dân số: 064085012345'], '064085012345'],
    [['Người làm chứng: Trần Văn Ba, CCCD số 064070000001', 'Họ và tên: Lê Văn Tám', 'Số định danh cá nhân: 064085012345'], '064085012345'],
    [['Họ và tên: Lê Văn Tám', 'Số điện thoại: 0912345678'], null]
  ]
  for (const [lines, expected, warnings] of cases) {
    const f = body(lines)
    t.equal(f.subjectId.value, expected, lines.join(' / '))
    if (warnings) t.same(f.subjectId.warnings, warnings, `${lines[lines.length - 1]}: warned`)
    else if (expected) t.notOk(f.subjectId.warnings, 'no warning')
  }
  const lone = body(['Họ và tên: Lê Văn Tám', 'Giấy tờ tùy thân 064085012345 do Công an tỉnh cấp'])
  t.equal(lone.subjectId.value, '064085012345', 'an unlabelled 12-digit number is taken')
  const labelled = body(['Họ và tên: Lê Văn Tám', 'Số CCCD: 064085012345'])
  t.ok(lone.subjectId.confidence < labelled.subjectId.confidence, 'with less confidence than a labelled one')
})

t.test('valid until: a date, a wrapped phrase, a period from the issue date', async t => {
  const until = body(['Giấy phép này có giá trị đến ngày 31/12/2025.'])
  t.equal(until.validUntil.value, '2025-12-31')
  t.notOk(until.validUntil.warnings)
  const wrapped = body(['Giấy chứng nhận này có hiệu lực đến hết', 'ngày 30 tháng 6 năm 2026.'])
  t.equal(wrapped.validUntil.value, '2026-06-30', 'phrase wrapped onto the next line')
  t.equal(wrapped.validUntil.boxes.length, 1, 'one box per page')
  const period = body(['Giấy phép này có hiệu lực khởi công xây dựng trong thời hạn 12 tháng kể từ ngày cấp.'])
  t.equal(period.validUntil.value, '2020-03-05', '12 months from 2019-03-05')
  t.same(period.validUntil.warnings, ['VALID_UNTIL_COMPUTED'])
  t.ok(period.validUntil.confidence < until.validUntil.confidence, 'a computed date is less sure')
  t.equal(body(['Quyết định này có hiệu lực kể từ ngày ký.']).validUntil.value, null, 'from the signing day: no end')
  const unaccented = body(['Giay phep nay co gia tri den ngay 01/02/2027'])
  t.equal(unaccented.validUntil.value, '2027-02-01')
})

t.test('the signature block: authority lines, acting titles, stroke marks, recipients on the left', async t => {
  const cases: Array<[string[], string, string]> = [
    [['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH'], 'PHÓ CHỦ TỊCH', 'deputy signing for the chair'],
    [['TM. ỦY BAN NHÂN DÂN', 'CHỦ TỊCH'], 'CHỦ TỊCH', 'chair for the committee'],
    [['TM. ỦY BAN NHÂN DÂN', 'KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH'], 'PHÓ CHỦ TỊCH', 'two authority lines'],
    [['Q. CHỦ TỊCH'], 'Q. CHỦ TỊCH', 'acting chair'],
    [['TRƯỞNG PHÒNG.TÀI CHÍNH - KẾ HOẠCH'], 'TRƯỞNG PHÒNG TÀI CHÍNH - KẾ HOẠCH', 'a stray dot read between words'],
    [['TL. CHỦ TỊCH', 'CHÁNH VĂN PHÒNG'], 'CHÁNH VĂN PHÒNG', 'signing by order']
  ]
  for (const [signature, title, what] of cases) {
    const f = extractFields([documentPage({ signature })])
    t.equal(f.signerTitle.value, title, what)
    t.equal(f.signer.value, 'Trần Thị Bình', `${what}: signer`)
  }
  const noisy = extractFields([documentPage({
    stroke: ['~', 'Jlu) .'],
    recipients: ['Nơi nhận:', '- Như Điều 3;', '- Lưu: VT.']
  })])
  t.equal(noisy.signer.value, 'Trần Thị Bình', 'marks from the signature and the recipients do not matter')
  t.equal(noisy.signerTitle.value, 'PHÓ CHỦ TỊCH')
  const capitals = extractFields([documentPage({ signer: 'NGUYỄN VĂN HÙNG' })])
  t.equal(capitals.signer.value, 'Nguyễn Văn Hùng', 'a name in capitals is written as a name')
  const ranked = extractFields([documentPage({ signature: ['GIÁM ĐỐC'], signer: 'Đại tá Nguyễn Văn Hùng' })])
  t.equal(ranked.signer.value, 'Nguyễn Văn Hùng', 'a rank before the name is left out')
  const unsigned = extractFields([documentPage({ signer: null })])
  t.equal(unsigned.signer.value, null, 'no name under the title')
  t.equal(unsigned.signerTitle.value, 'PHÓ CHỦ TỊCH', 'the title is still read')
  t.equal(extractFields([documentPage({ signer: 'Trần Thị Bình' })]).subjectName.value, 'Nguyễn Văn An', 'the signer is not the subject')
})

t.test('the subject may sit on a later page', async t => {
  const head = documentPage({ body: ['Căn cứ Luật Đất đai ngày 29 tháng 11 năm 2013;'], summary: ['Về việc cấp giấy phép'], signature: [], signer: null })
  const next = page([
    { text: 'Điều 1. Cấp phép cho ông Phạm Văn Đức, CCCD số 064085012345.', x: 480, y: 300 },
    { text: 'CHỦ TỊCH', x: 1740, y: 600, align: 'centre' },
    { text: 'Lê Văn Hải', x: 1740, y: 900, align: 'centre' }
  ])
  const f = extractFields([head, next])
  t.equal(f.subjectName.value, 'Phạm Văn Đức')
  t.equal(f.subjectName.boxes[0].page, 1)
  t.equal(f.subjectId.value, '064085012345')
  t.equal(f.signer.value, 'Lê Văn Hải')
  t.equal(f.signerTitle.value, 'CHỦ TỊCH')
  t.equal(f.documentType.value, 'QUYẾT ĐỊNH')
})
