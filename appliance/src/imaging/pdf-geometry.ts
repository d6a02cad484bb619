/**
 * Where an image sits on a PDF page and which way up it is shown: its resolution (pixels over the length it is
 * drawn at), how much of the page it covers, and the EXIF orientation (1-8) that turns the image as stored into
 * the page as a viewer shows it (the placement matrix and the page's /Rotate together).
 */
import type { Matrix } from './pdf-content.js'

/** [x0, y0, x1, y1] in user space, x0 < x1 and y0 < y1. */
export type Box = [number, number, number, number]

export interface Placement {
  /** The image's rows and columns run along the page's axes (any multiple of 90°, mirrored or not). */
  axisAligned: boolean
  /** EXIF orientation of the stored image as displayed (1 = as stored); 1 when not axis-aligned. */
  orientation: number
  /** Length the image's rows and columns are drawn at, in points (1/72 inch, times /UserUnit). */
  rowLengthPt: number
  columnLengthPt: number
  /** Share of the page box the image covers, 0..1. */
  coverage: number
}

/** Tolerance on the off-axis terms of the placement matrix, relative to its scale (about 0.06°). */
const AXIS_TOLERANCE = 1e-3

/** Unit vectors of display space (x right, y down), and their EXIF orientation for (along a row, down a column). */
const ORIENTATIONS: Record<string, number> = {
  '1,0|0,1': 1,
  '-1,0|0,1': 2,
  '-1,0|0,-1': 3,
  '1,0|0,-1': 4,
  '0,1|1,0': 5,
  '0,1|-1,0': 6,
  '0,-1|-1,0': 7,
  '0,-1|1,0': 8
}

export function normaliseRotate (rotate: number): number {
  const r = ((Math.round(rotate) % 360) + 360) % 360
  // A /Rotate that is not a multiple of 90 is invalid; viewers ignore it.
  return r % 90 === 0 ? r : 0
}

export function placementOf (ctm: Matrix, rotate: number, pageBox: Box, userUnit = 1): Placement {
  const [a, b, c, d] = ctm
  const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c), Math.abs(d))
  const rowLengthPt = Math.hypot(a, b) * userUnit
  const columnLengthPt = Math.hypot(c, d) * userUnit
  const straight = Math.abs(b) <= scale * AXIS_TOLERANCE && Math.abs(c) <= scale * AXIS_TOLERANCE
  const turned = Math.abs(a) <= scale * AXIS_TOLERANCE && Math.abs(d) <= scale * AXIS_TOLERANCE
  const axisAligned = scale > 0 && (straight || turned)
  return {
    axisAligned,
    orientation: axisAligned ? orientationOf(ctm, rotate) : 1,
    rowLengthPt,
    columnLengthPt,
    coverage: coverageOf(ctm, pageBox)
  }
}

/**
 * In PDF image space, the first row of samples is at the top of the unit square: walking along a row is +x of the
 * unit square, walking down the rows is -y. Both go through the matrix into user space (y up), then to display
 * space (y down), then the page's /Rotate turns the display clockwise.
 */
function orientationOf (ctm: Matrix, rotate: number): number {
  const [a, b, c, d] = ctm
  const along = toDisplay(a, b, rotate)
  const down = toDisplay(-c, -d, rotate)
  return ORIENTATIONS[`${along.join(',')}|${down.join(',')}`] ?? 1
}

function toDisplay (x: number, y: number, rotate: number): [number, number] {
  let v: [number, number] = [Math.sign(Math.round(x * 1e6)), -Math.sign(Math.round(y * 1e6))]
  // Each quarter turn clockwise on screen (y down) maps (X, Y) to (-Y, X).
  for (let r = 0; r < rotate; r += 90) v = [-v[1], v[0]]
  return [v[0] + 0, v[1] + 0] // no -0 in the key
}

function coverageOf (ctm: Matrix, box: Box): number {
  const corners = [[0, 0], [1, 0], [0, 1], [1, 1]].map(([s, t]) => [ctm[0] * s + ctm[2] * t + ctm[4], ctm[1] * s + ctm[3] * t + ctm[5]])
  const xs = corners.map(p => p[0])
  const ys = corners.map(p => p[1])
  const w = Math.min(Math.max(...xs), box[2]) - Math.max(Math.min(...xs), box[0])
  const h = Math.min(Math.max(...ys), box[3]) - Math.max(Math.min(...ys), box[1])
  const area = (box[2] - box[0]) * (box[3] - box[1])
  return w > 0 && h > 0 && area > 0 ? Math.min(1, (w * h) / area) : 0
}

/** Dots per inch of `pixels` drawn over `lengthPt` points; null when the placement is degenerate. */
export function dpiOf (pixels: number, lengthPt: number): number | null {
  if (!(lengthPt > 0)) return null
  const dpi = Math.round(pixels / (lengthPt / 72))
  return dpi > 0 && dpi <= 100_000 ? dpi : null
}

/** The stored pixel shown at display position (x, y) of an image stored w x h, for an EXIF orientation. */
export function storedPixelOf (orientation: number, x: number, y: number, w: number, h: number): [number, number] {
  switch (orientation) {
    case 2: return [w - 1 - x, y]
    case 3: return [w - 1 - x, h - 1 - y]
    case 4: return [x, h - 1 - y]
    case 5: return [y, x]
    case 6: return [y, h - 1 - x]
    case 7: return [w - 1 - y, h - 1 - x]
    case 8: return [w - 1 - y, x]
    default: return [x, y]
  }
}

/** Size shown for a stored w x h image under an EXIF orientation. */
export function displayedSize (orientation: number, w: number, h: number): [number, number] {
  return orientation >= 5 ? [h, w] : [w, h]
}
