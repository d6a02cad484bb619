/**
 * The one font of every PDF sohoa makes (signed copies, cover sheets): Tinos (OFL-1.1, metric-compatible with Times New Roman, every Vietnamese letter) for pdf-lib, through upstream fontkit 2.
 * pdf-lib 1.17 calls `subset.encodeStream()`, which fontkit 2 replaced with `encode()`; the small adapter below
 * bridges that. pdf-lib's own fork (@pdf-lib/fontkit 1.1.1) has a subsetting bug that leaves most Tinos glyphs
 * blank when rendered while text extraction still looks right (tech-notes §7, pitfall 1), so it is not used.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import * as fontkit from 'fontkit'
import type { PDFDocument } from 'pdf-lib'

const require = createRequire(import.meta.url)

interface Subset { encode: () => Uint8Array, encodeStream?: () => Readable }
interface SubsettableFont { createSubset: () => Subset }

type PdfLibFontkit = Parameters<PDFDocument['registerFontkit']>[0]

/**
 * The object pdf-lib's `registerFontkit` expects, backed by fontkit 2. A parsed font is not reused across documents:
 * tried (it would save ~100-200 ms of table parsing per PDF), it dropped from the second document's subset the
 * glyphs the first one had used.
 */
export const fontkitForPdfLib: PdfLibFontkit = {
  create (bytes: Uint8Array) {
    const font = (fontkit as unknown as { create: (b: Buffer) => SubsettableFont }).create(Buffer.from(bytes))
    const createSubset = font.createSubset.bind(font)
    font.createSubset = () => {
      const subset = createSubset()
      subset.encodeStream = () => Readable.from([subset.encode()])
      return subset
    }
    return font as unknown as ReturnType<PdfLibFontkit['create']>
  }
}

export interface TinosFonts {
  regular: Uint8Array
  bold: Uint8Array
}

let cached: Promise<TinosFonts> | null = null

/** The regular and bold Tinos files from node_modules (read once per process). */
export async function tinosFonts (): Promise<TinosFonts> {
  cached ??= (async () => {
    const [regular, bold] = await Promise.all([
      readFile(require.resolve('@expo-google-fonts/tinos/400Regular/Tinos_400Regular.ttf')),
      readFile(require.resolve('@expo-google-fonts/tinos/700Bold/Tinos_700Bold.ttf'))
    ])
    return { regular, bold }
  })()
  cached.catch(() => { cached = null })
  return await cached
}
