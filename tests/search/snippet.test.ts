import t from 'tap'
import { parseQuery } from '../../appliance/src/search/index.js'
import { adjacentWords } from '../../appliance/src/search/query.js'
import { makeSnippet, SNIPPET_CHARS } from '../../appliance/src/search/snippet.js'
import { indexCorpus, openIndex } from './setup.js'

const snippet = (text: string, q: string): string => makeSnippet(text.normalize('NFC'), parseQuery(q).clauses)

t.test('matched words are marked in the original spelling; phrases and codes as one mark', async t => {
  const { search } = await openIndex(t)
  await indexCorpus(search)
  const words = (await search.search('nguyen hong quang 1470')).results.find(r => r.recordId === 'd00')!.snippet
  t.match(words, '<mark>Nguyễn</mark> <mark>Hồng</mark> <mark>Quang</mark>')
  const phrase = (await search.search('"nguyen hong quang"')).results[0].snippet
  t.match(phrase, 'Ông (bà) <mark>Nguyễn Hồng Quang</mark> Số CCCD', 'line breaks shown as spaces')
  const code = (await search.search('1470/gpxd-ubnd')).results[0].snippet
  t.match(code, 'Số: <mark>1470/GPXD-UBND</mark>')
  const qd = (await search.search('1696/QD-UBND')).results[0].snippet
  t.match(qd, '<mark>1696/QĐ-UBND</mark>')
})

t.test('the text is HTML-escaped around the marks', async t => {
  const { search } = await openIndex(t)
  await search.indexDocument('x', { text: 'Ghi chú: <script>alert("Nguyễn & \'Văn\'")</script> <b>An</b>' })
  const [hit] = (await search.search('script nguyen an')).results
  t.notMatch(hit.snippet, /<script|<\/script|<b>|"|'/)
  t.equal(hit.snippet, 'Ghi chú: &lt;<mark>script</mark>&gt;alert(&quot;<mark>Nguyễn</mark> &amp; &#39;Văn&#39;&quot;)&lt;/<mark>script</mark>&gt; &lt;b&gt;<mark>An</mark>&lt;/b&gt;')
  const listed = (await search.search('')).results[0].snippet
  t.notMatch(listed, /<script/)
})

t.test('NFD text is shown in NFC with the right words marked', async t => {
  const { search } = await openIndex(t)
  await search.indexDocument('x', { text: 'Chủ hộ kinh doanh: Hoàng Hữu Quang'.normalize('NFD') })
  const [hit] = (await search.search('huu')).results
  t.equal(hit.snippet, 'Chủ hộ kinh doanh: Hoàng <mark>Hữu</mark> Quang')
})

t.test('long texts are cut around the best window, at word boundaries, with ellipses', async t => {
  const filler = (tag: string, n: number): string => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ')
  const text = `${filler('đầu', 80)} quyết định thu hồi đất ${filler('giữa', 80)} thu ${filler('cuối', 80)} hồi`
  const s = snippet(text, 'thu hồi')
  t.ok(s.startsWith('…') && s.endsWith('…'))
  t.match(s, '<mark>thu</mark> <mark>hồi</mark> đất', 'the window holding both words wins')
  const plain = s.replace(/<\/?mark>/g, '').replace(/…/g, '')
  t.ok(plain.length <= SNIPPET_CHARS + 60, `length ${plain.length}`)
  t.ok(text.includes(plain.trim()), 'a contiguous piece of the original, cut between words')
  t.equal(snippet('thu hồi', 'thu hồi'), '<mark>thu</mark> <mark>hồi</mark>', 'no ellipsis when nothing is cut')
  const start = snippet(`${filler('a', 100)}`, '')
  t.ok(start.startsWith('a0 a1') && start.endsWith('…'), 'without matches: the beginning')
})

t.test('a phrase marks only its consecutive occurrence, words mark everywhere in the window', async t => {
  t.equal(snippet('Hòa Bình, xã Bình Hòa', '"hoa binh"'), '<mark>Hòa Bình</mark>, xã Bình Hòa')
  t.equal(snippet('Hòa Bình, xã Bình Hòa', 'hoa binh'), '<mark>Hòa</mark> <mark>Bình</mark>, xã <mark>Bình</mark> <mark>Hòa</mark>')
  t.equal(snippet('xã Ia Dêr', '"xa ia" "ia der"'), '<mark>xã Ia Dêr</mark>', 'overlapping marks merge')
})

t.test('the window prefers the query\'s words standing together', async t => {
  const filler = (n: number): string => Array.from({ length: n }, (_, i) => `chữ${i}`).join(' ')
  const text = `Dịch vụ ăn uống, Chánh Văn phòng, ông Nguyễn Thanh, dự án An Khê ${filler(60)} Cấp cho: ông Nguyễn Văn An, thôn Hòa Bình ${filler(60)}`
  const parsed = parseQuery('nguyen van an')
  const plain = makeSnippet(text, parsed.clauses)
  t.notMatch(plain, 'Cấp cho', 'without the pairs, the first window with all three words (and more hits) wins')
  const s = makeSnippet(text, parsed.clauses, adjacentWords(parsed).map(pair => ({ terms: pair })))
  t.match(s, 'Cấp cho: ông <mark>Nguyễn</mark> <mark>Văn</mark> <mark>An</mark>, thôn')
})
