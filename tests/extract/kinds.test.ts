// Two generated pages of kinds the sample corpus lacks, through the real path (appliance prepare, tesseract.js,
// extraction with the node's known lists): every field read right or sent to review, never confidently wrong; the
// marriage certificate names both spouses with their IDs; and the generator is deterministic.
import { join } from 'node:path'
import t from 'tap'
import { CONFIDENT, extractFields } from '../../appliance/src/extract/index.js'
import { createOcrPool } from '../../appliance/src/ocr/index.js'
import { ocrPage, scorePage } from '../bench/kinds.bench.js'
import { generateCorpus } from '../fixtures/generator/index.js'
import { knownListsForTests } from '../fixtures/generator/known.js'
import { tempDir } from '../helpers/tmp.js'

t.test('generated results of unseen kinds: right, or sent to review', async t => {
  const pages = await generateCorpus({ perKind: 1, kinds: ['ket-hon', 'an-toan-thuc-pham'] })
  const again = await generateCorpus({ perKind: 1, kinds: ['ket-hon'] })
  t.same(again[0].truth, pages[0].truth, 'the same seed gives the same truth')
  t.ok(again[0].image.equals(pages[0].image), 'and the same image')
  t.ok(pages[1].heldOut, 'the food-safety certificate is a held-out kind')

  const pool = await createOcrPool({ workers: 1, cacheDir: join(await tempDir(t), 'tess') })
  t.teardown(async () => await pool.close())
  const known = knownListsForTests()
  for (const page of pages) {
    const f = extractFields([await ocrPage(pool, page.image, undefined)], known)
    const s = scorePage(page, f)
    t.same(s.confidentWrong, [], `${page.id}: no field confidently wrong (${s.misses.join('; ') || 'all right'})`)
    for (const name of ['documentType', 'documentNumber', 'issuedDate', 'issuer', 'subjectName', 'subjectId'] as const) {
      t.ok(s.right[name] || f[name].confidence < CONFIDENT, `${page.id}: ${name} right or to review`)
    }
    if (page.kind === 'ket-hon') {
      t.same(f.parties.value.map(p => [p.role, p.idNumber]), page.truth.parties.map(p => [p.role, p.idNumber]), 'both spouses, with their IDs')
      t.equal(f.subjectId.value, page.truth.subjectId, 'the husband is the main subject')
    }
    if (page.kind === 'an-toan-thuc-pham') t.same(f.parties.value.map(p => p.role), ['establishment', 'owner'], 'the establishment and its owner')
  }
})
