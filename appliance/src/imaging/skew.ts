/**
 * Skew estimation by projection profiles.
 *
 * Sign convention (the same as the corpus truth's `skew_deg`): a positive angle means the page content is turned
 * counter-clockwise as seen on screen, so text lines rise to the right. Turning the image clockwise by that angle
 * (sharp's `rotate(+angle)`) straightens it.
 *
 * Method: binarise a small grey copy of the page (Otsu), keep the ink pixels, and for each candidate angle build the
 * histogram of the pixels' positions across the (sheared) text lines. Straight lines pile their ink into few rows,
 * so the profile whose neighbouring rows differ most (sum of squared differences) wins. A coarse pass over the whole
 * range is followed by a fine pass around the best coarse angle and a parabola through the best three fine scores.
 * Shearing (r = y + x * tan a) stands in for a rotation: at a few degrees the difference is far below a pixel.
 */

export interface SkewOptions {
  /** Largest skew looked for, in degrees either way. */
  maxDeg?: number
  coarseStepDeg?: number
  fineStepDeg?: number
  /** Upper bound on ink pixels scored; more are thinned evenly (keeps the cost flat on dark pages). */
  maxPoints?: number
}

export interface SkewEstimate {
  /** Degrees, positive = content turned counter-clockwise. 0 when the page carries too little ink to tell. */
  angleDeg: number
  /** Ink pixels the estimate rests on. */
  points: number
}

const DEFAULTS: Required<SkewOptions> = { maxDeg: 5, coarseStepDeg: 0.25, fineStepDeg: 0.05, maxPoints: 200_000 }

/** Below this many ink pixels a page is taken as blank: any angle would be noise. */
const MIN_POINTS = 500

/** Estimates the skew of a single-channel 8-bit image (dark ink on light paper). */
export function estimateSkew (grey: Uint8Array, width: number, height: number, options: SkewOptions = {}): SkewEstimate {
  if (grey.length < width * height) throw new RangeError('grey buffer is smaller than width * height')
  const opts = { ...DEFAULTS, ...options }
  const { xs, ys } = inkPoints(grey, width, height, opts.maxPoints)
  if (xs.length < MIN_POINTS) return { angleDeg: 0, points: xs.length }

  const profile = new Profile(xs, ys, width, height, opts.maxDeg + opts.coarseStepDeg)
  let best = -Infinity
  let coarse = 0
  for (let a = -opts.maxDeg; a <= opts.maxDeg + 1e-9; a += opts.coarseStepDeg) {
    const s = profile.score(a)
    // Prefer the smaller angle on ties, so a page with no line structure stays near 0.
    if (s > best || (s === best && Math.abs(a) < Math.abs(coarse))) { best = s; coarse = a }
  }

  const steps = Math.round(opts.coarseStepDeg / opts.fineStepDeg)
  const angles: number[] = []
  const scores: number[] = []
  for (let i = -steps; i <= steps; i++) {
    const a = coarse + i * opts.fineStepDeg
    angles.push(a)
    scores.push(profile.score(a))
  }
  let k = 0
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[k]) k = i
  let angle = angles[k]
  if (k > 0 && k < scores.length - 1) {
    // Vertex of the parabola through the best score and its neighbours: sub-step precision for free.
    const [l, c, r] = [scores[k - 1], scores[k], scores[k + 1]]
    const denom = l - 2 * c + r
    if (denom < 0) angle += 0.5 * opts.fineStepDeg * (l - r) / denom
  }
  angle = Math.max(-opts.maxDeg, Math.min(opts.maxDeg, angle))
  return { angleDeg: Math.round(angle * 1000) / 1000, points: xs.length }
}

/** Otsu's threshold: the grey level that best separates the histogram into two classes. */
export function otsuThreshold (grey: Uint8Array, count: number): number {
  const hist = new Float64Array(256)
  for (let i = 0; i < count; i++) hist[grey[i]]++
  let sumAll = 0
  for (let v = 0; v < 256; v++) sumAll += v * hist[v]
  let wB = 0
  let sumB = 0
  let bestVar = -1
  let threshold = 127
  for (let v = 0; v < 256; v++) {
    wB += hist[v]
    if (wB === 0) continue
    const wF = count - wB
    if (wF === 0) break
    sumB += v * hist[v]
    const mB = sumB / wB
    const mF = (sumAll - sumB) / wF
    const between = wB * wF * (mB - mF) * (mB - mF)
    if (between > bestVar) { bestVar = between; threshold = v }
  }
  return threshold
}

function inkPoints (grey: Uint8Array, width: number, height: number, maxPoints: number): { xs: Int32Array, ys: Int32Array } {
  const n = width * height
  const t = otsuThreshold(grey, n)
  let ink = 0
  for (let i = 0; i < n; i++) if (grey[i] <= t) ink++
  // A page that is mostly "ink" is a photo or an inverted scan; the profile says nothing useful then.
  if (ink > n / 2) return { xs: new Int32Array(0), ys: new Int32Array(0) }
  const stride = Math.max(1, Math.ceil(ink / maxPoints))
  const size = Math.ceil(ink / stride)
  const xs = new Int32Array(size)
  const ys = new Int32Array(size)
  let seen = 0
  let k = 0
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (grey[i] <= t) {
        if (seen++ % stride === 0 && k < size) { xs[k] = x; ys[k] = y; k++ }
      }
    }
  }
  return { xs: xs.subarray(0, k), ys: ys.subarray(0, k) }
}

class Profile {
  private readonly bins: Float64Array
  private readonly offset: number
  private readonly jitter: Float64Array

  constructor (private readonly xs: Int32Array, private readonly ys: Int32Array, width: number, height: number, maxDeg: number) {
    this.offset = Math.ceil(width * Math.tan(maxDeg * Math.PI / 180)) + 1
    this.bins = new Float64Array(height + 2 * this.offset + 2)
    // A fixed sub-pixel dither per point: without it, angle 0 (where every point lands exactly on a row) scores
    // higher than its neighbours and small true skews (0.1-0.2 deg) snap to 0.
    this.jitter = new Float64Array(xs.length)
    let seed = 0x9e3779b9
    for (let i = 0; i < xs.length; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      this.jitter[i] = seed / 4294967296
    }
  }

  score (angleDeg: number): number {
    const tan = Math.tan(angleDeg * Math.PI / 180)
    const bins = this.bins
    bins.fill(0)
    const { xs, ys, offset } = this
    const jitter = this.jitter
    for (let i = 0; i < xs.length; i++) {
      bins[Math.floor(ys[i] + xs[i] * tan + jitter[i]) + offset]++
    }
    let s = 0
    for (let i = 1; i < bins.length; i++) {
      const d = bins[i] - bins[i - 1]
      s += d * d
    }
    return s
  }
}
