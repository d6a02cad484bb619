/**
 * The recognition model and engine settings, all local: the Vietnamese LSTM model from @tesseract.js-data/vie
 * (directory 4.0.0_best_int: tessdata_best converted to int, LSTM only), read from node_modules by path; the wasm
 * core is loaded by tesseract.js' Node worker from the local tesseract.js-core package. Nothing is fetched.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type Tesseract from 'tesseract.js'
import { AppError } from '../errors/index.js'

export const LANGUAGE = 'vie'
/** LSTM only: the legacy engine needs the 3x larger 4.0.0 data and read the test page at CER ~9 % (tech notes). */
export const OEM_LSTM_ONLY = 1

/**
 * Page segmentation: PSM 11 (sparse text), chosen by measurement on 8 corpus pages (best_int, red-channel input):
 * CER 0.91 % vs 4.18 % for PSM 3 (AUTO) at native resolution, and 0.23 % vs 1.15 % at 300 dpi. With AUTO, the
 * two-column header (issuing body | national motto, "Số: …" | place and date) is joined into single text lines
 * and the document number is lost on most pages; PSM 11 reads each column line on its own, in the same order as
 * the corpus truth. PSM 4 and 6 join the columns as AUTO does; PSM 12 needs the OSD model, which is not shipped.
 * preserve_interword_spaces made no difference to CER; off, so text has single spaces.
 */
export const ENGINE_PARAMETERS: Partial<Tesseract.WorkerParams> = {
  tessedit_pageseg_mode: '11' as Tesseract.PSM,
  preserve_interword_spaces: '0'
}

/** Absolute directory holding vie.traineddata.gz (never the package's index.js, which points at the legacy data). */
export function languageDataDir (): string {
  const require = createRequire(import.meta.url)
  let pkg: string
  try {
    pkg = require.resolve('@tesseract.js-data/vie/package.json')
  } catch (err) {
    throw new AppError('CONFIG_INVALID', { reason: '@tesseract.js-data/vie is not installed' }, err)
  }
  const dir = join(dirname(pkg), '4.0.0_best_int')
  if (!existsSync(join(dir, `${LANGUAGE}.traineddata.gz`))) {
    throw new AppError('CONFIG_INVALID', { reason: `no ${LANGUAGE}.traineddata.gz in ${dir}` })
  }
  return dir
}
