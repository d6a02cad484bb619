/** What is measured on the small copy of a page: its skew and its contrast levels. Pure; runs in the analysis thread. */
import { measureLevels, type Levels } from './levels.js'
import { estimateSkew } from './skew.js'

export interface PageAnalysis {
  /** Degrees, positive = content turned counter-clockwise. */
  skewDeg: number
  /** Ink pixels the skew rests on (0 = blank page, skew 0). */
  inkPoints: number
  levels: Levels
}

export function analysePage (grey: Uint8Array, width: number, height: number): PageAnalysis {
  const skew = estimateSkew(grey, width, height)
  return { skewDeg: skew.angleDeg, inkPoints: skew.points, levels: measureLevels(grey.subarray(0, width * height)) }
}
