import t from 'tap'
import { foldVietnamese, normalizeText, tokenize } from '../../appliance/src/search/index.js'

/** The 12 vowels, each without tone then with huyền, sắc, hỏi, ngã, nặng, typed as precomposed letters. */
const VOWELS: Array<[string, string, string]> = [
  ['a', 'aàáảãạ', 'AÀÁẢÃẠ'], ['a', 'ăằắẳẵặ', 'ĂẰẮẲẴẶ'], ['a', 'âầấẩẫậ', 'ÂẦẤẨẪẬ'],
  ['e', 'eèéẻẽẹ', 'EÈÉẺẼẸ'], ['e', 'êềếểễệ', 'ÊỀẾỂỄỆ'], ['i', 'iìíỉĩị', 'IÌÍỈĨỊ'],
  ['o', 'oòóỏõọ', 'OÒÓỎÕỌ'], ['o', 'ôồốổỗộ', 'ÔỒỐỔỖỘ'], ['o', 'ơờớởỡợ', 'ƠỜỚỞỠỢ'],
  ['u', 'uùúủũụ', 'UÙÚỦŨỤ'], ['u', 'ưừứửữự', 'ƯỪỨỬỮỰ'], ['y', 'yỳýỷỹỵ', 'YỲÝỶỸỴ']
]

t.test('all 12 vowels with all 5 tones fold to their base letter, in both cases and both normal forms', async t => {
  const all = new Set<string>()
  for (const [base, lower, upper] of VOWELS) {
    t.equal(lower.length, 6, `${lower} is six precomposed letters`)
    for (const ch of [...lower, ...upper]) {
      all.add(ch)
      t.equal(foldVietnamese(ch), base, `${ch} (NFC)`)
      const nfd = ch.normalize('NFD')
      t.equal(foldVietnamese(nfd), base, `${ch} (NFD, ${nfd.length} code units)`)
    }
  }
  t.equal(all.size, 144, '72 lower and 72 upper distinct letters')
})

t.test('đ, Đ and the look-alike eth fold to d', async t => {
  t.equal(foldVietnamese('đĐÐð'), 'dddd')
  t.equal(foldVietnamese('ĐỘC LẬP'), 'doc lap')
  t.equal(foldVietnamese('ÐỘC LẬP'), 'doc lap', 'U+00D0 as OCR reads Đ')
  t.equal(foldVietnamese('QĐ-UBND'), 'qd-ubnd')
})

t.test('NFC and NFD inputs fold the same; the fold keeps the NFC text\'s length', async t => {
  const name = 'Nguyễn Văn An'
  const nfd = name.normalize('NFD')
  t.not(nfd, name)
  t.equal(foldVietnamese(name), 'nguyen van an')
  t.equal(foldVietnamese(nfd), 'nguyen van an')
  const line = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc'
  for (const input of [line, line.normalize('NFD')]) {
    const folded = foldVietnamese(input)
    t.equal(folded.length, normalizeText(input).length)
    t.equal(folded, 'cong hoa xa hoi chu nghia viet nam — doc lap - tu do - hanh phuc')
  }
})

t.test('characters whose fold would change the length are kept safely', async t => {
  const samples = ['İstanbul', 'ß', '한국', 'ﬁle', '😀x', 'x\u0301y', 'Ǆ', '\ud800']
  for (const s of samples) {
    t.equal(foldVietnamese(s).length, normalizeText(s).length, JSON.stringify(s))
  }
  t.equal(foldVietnamese('İstanbul'), 'istanbul')
  t.equal(foldVietnamese('한국'), '한국', 'Hangul syllables are not decomposed into jamo')
  t.equal(foldVietnamese('😀A'), '😀a', 'astral characters pass through whole')
})

t.test('tokens: words of letters and digits with offsets in the NFC text', async t => {
  const text = 'Cấp cho: Ông (bà) Nguyễn Hồng Quang'
  const tokens = tokenize(text.normalize('NFD'))
  t.same(tokens.map(x => x.term), ['cap', 'cho', 'ong', 'ba', 'nguyen', 'hong', 'quang'])
  t.same(tokens.map(x => x.position), [0, 1, 2, 3, 4, 5, 6])
  for (const tok of tokens) t.equal(foldVietnamese(text.slice(tok.start, tok.end)), tok.term, 'offsets point into the original')
})

t.test('document numbers and dates split into consecutive parts; numbers compare by value', async t => {
  t.same(tokenize('Số: 1470/GPXD-UBND').map(x => x.term), ['so', '1470', 'gpxd', 'ubnd'])
  t.same(tokenize('Số: 1696/QĐ-UBND').map(x => x.term), ['so', '1696', 'qd', 'ubnd'])
  t.same(tokenize('Ngày, tháng, năm sinh: 18/04/2013').map(x => x.term), ['ngay', 'thang', 'nam', 'sinh', '18', '4', '2013'])
  t.same(tokenize('07').map(x => x.term), ['7'])
  t.same(tokenize('0').map(x => x.term), ['0'])
  t.same(tokenize('Số CCCD: 064346978488').map(x => x.term), ['so', 'cccd', '64346978488'])
  t.same(tokenize('diện tích 72 m2, vốn 847.000.000 đồng').map(x => x.term), ['dien', 'tich', '72', 'm2', 'von', '847', '0', '0', 'dong'])
})

t.test('a stray combining mark stays inside its word and out of its term', async t => {
  const tokens = tokenize('x\u0301yz ab')
  t.same(tokens.map(x => x.term), ['xyz', 'ab'])
  t.same(tokenize('\u0301 a').map(x => x.term), ['a'], 'a mark alone is no token')
})

t.test('overlong runs are capped', async t => {
  const [tok] = tokenize('a'.repeat(500))
  t.equal(tok.term.length, 64)
  t.equal(tok.end, 500)
})
