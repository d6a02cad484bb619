/**
 * The progress report as CSV for Excel users: UTF-8 with a byte-order mark (without it Excel reads Vietnamese as
 * Latin-1), CRLF line ends, Vietnamese headers, plain numbers (dot decimals), one row per unit, then one per level
 * and the total.
 */
import type { Figures, ProgressReport } from './index.js'
import { FIGURE_COLUMNS, LEVEL_NAMES } from './xlsx.js'

const BOM = '\uFEFF'

function field (value: string | number | null | boolean): string {
  if (value === null) return ''
  const s = String(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const figureFields = (f: Figures): Array<string | number | null> => FIGURE_COLUMNS.map(c => {
  const v = f[c.key]
  return typeof v === 'boolean' ? String(v) : v
})

export function progressCsv (report: ProgressReport): string {
  const lines: Array<Array<string | number | null>> = [
    ['Mã đơn vị', 'Tên đơn vị', 'Cấp', 'Hợp nhất vào', 'Tính vào tổng', 'Chỉ tiêu ước tính', ...FIGURE_COLUMNS.map(c => c.key === 'percent' ? 'Tỷ lệ hoàn thành (%)' : c.header)]
  ]
  for (const r of report.rows) lines.push([r.code, r.name, LEVEL_NAMES[r.level], r.mergedInto, r.inTotal ? 1 : 0, r.targetEstimated ? 1 : 0, ...figureFields(r)])
  for (const l of report.byLevel) lines.push(['', `Tổng ${LEVEL_NAMES[l.level].toLowerCase()}`, LEVEL_NAMES[l.level], null, null, l.targetEstimated ? 1 : 0, ...figureFields(l)])
  lines.push(['', 'Tổng cộng', '', null, null, report.totals.targetEstimated ? 1 : 0, ...figureFields(report.totals)])
  return BOM + lines.map(l => l.map(field).join(',')).join('\r\n') + '\r\n'
}
