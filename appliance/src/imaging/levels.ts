/** Contrast levels of a grey page: the grey values that should become black and white in the OCR input. */
import { otsuThreshold } from './skew.js'

export interface Levels {
  /** Grey at or below which 0.5 % of the pixels lie: taken as full ink. */
  black: number
  /** Median grey of the paper (the pixels lighter than Otsu's threshold): paper and lighter become white. */
  white: number
}

const BLACK_FRACTION = 0.005
/** A narrower range means a blank or flat page: stretching it would only amplify noise. */
const MIN_RANGE = 32

export function measureLevels (grey: Uint8Array): Levels {
  const hist = new Uint32Array(256)
  for (let i = 0; i < grey.length; i++) hist[grey[i]]++
  const n = grey.length
  let black = 0
  for (let v = 0, acc = 0; v < 256; v++) {
    acc += hist[v]
    if (acc > n * BLACK_FRACTION) { black = v; break }
  }
  // The paper's median rather than a top percentile: with the top 1 % as white, paper noise kept the background
  // at ~244 on yellowed pages; at the median, half the paper noise becomes exactly white.
  const t = otsuThreshold(grey, n)
  let paper = 0
  for (let v = t + 1; v < 256; v++) paper += hist[v]
  let white = 255
  for (let v = t + 1, acc = 0; v < 256; v++) {
    acc += hist[v]
    if (acc >= paper / 2) { white = v; break }
  }
  if (white - black < MIN_RANGE) return { black: 0, white: 255 }
  return { black, white }
}
