/**
 * Tinos (OFL-1.1; metric-compatible with Times New Roman, every Vietnamese letter) for pdf-lib, through upstream
 * fontkit 2. pdf-lib 1.17 calls `subset.encodeStream()`, which fontkit 2 replaced with `encode()`; the adapter below
 * bridges that. pdf-lib's own fork (@pdf-lib/fontkit 1.1.1) has a subsetting bug that leaves most Tinos glyphs blank
 * when rendered while text extraction still looks right (tech-notes §7, pitfall 1), so it is not used.
 */
import { createHash } from 'node:crypto'
import * as fontkit from 'fontkit'
import type { PDFDocument, PDFFont } from 'pdf-lib'
import { fontkitForPdfLib, tinosFonts } from '../../fonts/index.js'

interface Tinos { bytes: Uint8Array, font: fontkit.Font }
let loaded: Promise<Tinos> | null = null

async function tinos (): Promise<Tinos> {
  loaded ??= (async () => {
    const bytes = (await tinosFonts()).regular
    return { bytes, font: fontkit.create(Buffer.from(bytes)) as fontkit.Font }
  })()
  loaded.catch(() => { loaded = null })
  return await loaded
}

/**
 * The text as Tinos can draw it: NFC, with characters the font has no glyph for (and control characters) left out.
 * PDF/A-2 forbids showing the .notdef glyph even in invisible text (ISO 19005-2 6.2.11.8).
 */
export async function drawableText (text: string): Promise<string> {
  const { font } = await tinos()
  let out = ''
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0)!
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || !font.hasGlyphForCodePoint(cp)) continue
    out += ch
  }
  return out
}

/**
 * Embeds Tinos Regular as a subset. The subset's PostScript name gets the six-letter tag ISO 32000-1 9.6.4 asks
 * for (pdf-lib would write `Tinos-Regular-1234`); the tag is derived from the characters, so the same text gives the
 * same bytes.
 */
export async function embedTinos (doc: PDFDocument, texts: Iterable<string>): Promise<PDFFont> {
  const { bytes } = await tinos()
  const chars = new Set<string>()
  for (const t of texts) for (const ch of t) chars.add(ch)
  const digest = createHash('sha256').update([...chars].sort().join('')).digest()
  const tag = Array.from(digest.subarray(0, 6), b => String.fromCharCode(65 + (b % 26))).join('')
  doc.registerFontkit(fontkitForPdfLib)
  return await doc.embedFont(bytes, { subset: true, customName: `${tag}+Tinos-Regular` })
}
