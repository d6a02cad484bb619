import t from 'tap'
import { parseQuery } from '../../appliance/src/search/index.js'
import { MAX_CLAUSES } from '../../appliance/src/search/query.js'

const clauses = (q: string): string[][] => parseQuery(q).clauses.map(c => c.terms)

t.test('bare words are separate clauses, folded', async t => {
  t.same(clauses('Nguyễn Văn  An'), [['nguyen'], ['van'], ['an']])
  t.same(parseQuery('Nguyễn Văn An').terms, ['nguyen', 'van', 'an'])
})

t.test('quoted text is one phrase clause; curly quotes too', async t => {
  t.same(clauses('"giấy phép xây dựng" ia grai'), [['giay', 'phep', 'xay', 'dung'], ['ia'], ['grai']])
  t.same(clauses('\u201cQuyết định thu hồi\u201d'), [['quyet', 'dinh', 'thu', 'hoi']])
  t.same(clauses('"Ia"'), [['ia']], 'a quoted single word is just a word')
})

t.test('words glued by punctuation are a phrase of their parts', async t => {
  t.same(clauses('1470/GPXD-UBND'), [['1470', 'gpxd', 'ubnd']])
  t.same(clauses('24/02/2018'), [['24', '2', '2018']])
  t.same(clauses('số 1696/QĐ-UBND'), [['so'], ['1696', 'qd', 'ubnd']])
})

t.test('a stray quote is ignored and the rest read as words', async t => {
  t.same(clauses('"giấy phép'), [['giay'], ['phep']])
  t.same(clauses('nhà "ở riêng" lẻ"'), [['nha'], ['o', 'rieng'], ['le']], 'the last quote is the stray one')
  t.same(clauses('ia grai"'), [['ia'], ['grai']])
})

t.test('empty and punctuation-only queries', async t => {
  for (const q of ['', '   ', '""', '" "']) {
    const p = parseQuery(q)
    t.same(p.clauses, [], JSON.stringify(q))
    t.equal(p.unmatchable, false, `${JSON.stringify(q)} lists`)
  }
  for (const q of ['/', ' - ; ', '"..."']) {
    const p = parseQuery(q)
    t.same(p.clauses, [])
    t.equal(p.unmatchable, true, `${JSON.stringify(q)} matches nothing`)
  }
})

t.test('duplicate clauses collapse; terms are distinct; clause count is bounded', async t => {
  const p = parseQuery('xã xa "xã Dun" XÃ')
  t.same(p.clauses.map(c => c.terms), [['xa'], ['xa', 'dun']])
  t.same(p.terms, ['xa', 'dun'])
  t.same(clauses('ia "xã Dun" grai'), [['ia'], ['xa', 'dun'], ['grai']], 'in query order')
  const many = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')
  t.equal(parseQuery(many).clauses.length, MAX_CLAUSES)
})
