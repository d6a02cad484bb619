/**
 * Folding for matching: case, accents and Vietnamese vowel marks removed, `đ` and its look-alikes made `d`.
 * The fold works character by character on the NFC text and never changes its length, so an offset in the folded
 * string is the same offset in the NFC original: that is what lets a snippet highlight the original words.
 */

/** D with stroke and the letters OCR and keyboards confuse with it: Đ đ, Ð ð (eth), Ɖ ɖ (African D). */
const D_LOOKALIKES = new Set([0x0110, 0x0111, 0x00d0, 0x00f0, 0x0189, 0x0256])
const MARKS = /\p{M}/gu

/** Folds of non-ASCII code points seen so far: the set is small (one script's letters) and the fold is pure. */
const cache = new Map<number, string>()

/**
 * Folds one code point (given as its string `ch`, one or two UTF-16 units). The result always has `ch.length`
 * units; when the fold would change the length (Hangul decomposes into jamo, `İ` lower-cases to two units), a
 * length-keeping fallback is used: the base letter, else the lower case, else the character unchanged.
 */
function foldCodePoint (cp: number, ch: string): string {
  const known = cache.get(cp)
  if (known !== undefined) return known
  let folded: string
  if (D_LOOKALIKES.has(cp)) {
    folded = 'd'
  } else {
    const base = ch.normalize('NFD').replace(MARKS, '')
    const lower = base.toLowerCase()
    const plain = ch.toLowerCase()
    if (base.length > 0 && lower.length === ch.length) folded = lower
    else if (base.length === ch.length) folded = base
    // A lone combining mark stays: it keeps the offsets, and the tokenizer drops marks from terms.
    else if (plain.length === ch.length) folded = plain
    else folded = ch
  }
  cache.set(cp, folded)
  return folded
}

/** The NFC form every offset refers to. */
export function normalizeText (s: string): string {
  return s.normalize('NFC')
}

/**
 * `foldVietnamese('Nguyễn Văn An') === 'nguyen van an'`. Accepts NFC or NFD input; the result has the length of
 * `normalizeText(s)`, character for character.
 */
export function foldVietnamese (s: string): string {
  return foldNormalized(normalizeText(s))
}

/** The same, for text already in NFC (skips the second normalisation on hot paths). */
export function foldNormalized (nfc: string): string {
  let out = ''
  let plainFrom = 0
  for (let i = 0; i < nfc.length; i++) {
    const unit = nfc.charCodeAt(i)
    if (unit < 0x80) {
      if (unit >= 0x41 && unit <= 0x5a) {
        out += nfc.slice(plainFrom, i) + String.fromCharCode(unit + 32)
        plainFrom = i + 1
      }
      continue
    }
    const cp = nfc.codePointAt(i)!
    const width = cp > 0xffff ? 2 : 1
    const ch = nfc.slice(i, i + width)
    const folded = foldCodePoint(cp, ch)
    if (folded !== ch) {
      out += nfc.slice(plainFrom, i) + folded
      plainFrom = i + width
    }
    i += width - 1
  }
  return plainFrom === 0 ? nfc : out + nfc.slice(plainFrom)
}
