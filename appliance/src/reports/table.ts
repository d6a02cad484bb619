/** The progress report as a text table for the terminal (`sohoa report`), numbers grouped the Vietnamese way. */
import type { Figures, ProgressReport } from './index.js'
import { LEVEL_NAMES } from './xlsx.js'

const int = (n: number | null): string => n === null ? '–' : n.toLocaleString('vi-VN')
const pct = (n: number | null): string => n === null ? '–' : `${n.toLocaleString('vi-VN', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} %`
const dmy = (iso: string | null): string => iso === null ? '–' : `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`

const HEADERS = ['Mã', 'Đơn vị', 'Đã nhận', 'Nhận dạng', 'Lưu trữ', 'Chỉ tiêu', 'Tỷ lệ', 'Kinh phí (đ)', 'Trang/ngày', 'Dự kiến xong']
const RIGHT = new Set([2, 3, 4, 5, 6, 7, 8])

const cells = (code: string, name: string, f: Figures): string[] => [
  code, name, int(f.received), int(f.recognized), int(f.archived), f.target === null ? '–' : `${int(f.target)}${f.targetEstimated ? '*' : ''}`,
  pct(f.percent), int(f.costVnd), f.rateArchived.toLocaleString('vi-VN'), dmy(f.forecast)
]

export function progressTable (report: ProgressReport): string {
  const rows: string[][] = [HEADERS]
  for (const r of report.rows) rows.push(cells(r.code, `${r.mergedInto !== null ? '↳ ' : ''}${r.name}${r.mergedInto !== null ? ` → ${r.mergedInto}` : ''}`, r))
  const body = rows.length
  for (const l of report.byLevel) rows.push(cells('', `Tổng ${LEVEL_NAMES[l.level].toLowerCase()}`, l))
  rows.push(cells('', 'TỔNG CỘNG', report.totals))
  const width = HEADERS.map((_, i) => Math.max(...rows.map(r => [...r[i]].length)))
  const line = (r: string[]): string => r.map((c, i) => RIGHT.has(i) ? c.padStart(width[i]) : c.padEnd(width[i])).join('  ').trimEnd()
  const rule = width.map(w => '─'.repeat(w)).join('  ')
  const out = [line(rows[0]), rule, ...rows.slice(1, body).map(line), rule, ...rows.slice(body).map(line)]
  const heading = `Tiến độ số hóa${report.year !== null ? ` năm ${report.year}` : ''}${report.unit !== null ? `, đơn vị ${report.unit}` : ''} · đơn giá ${int(report.unitPriceVnd)} đ/trang`
  return [heading, '', ...out, '', '* chỉ tiêu ước tính (chia đều chỉ tiêu nhóm của kế hoạch)', ''].join('\n')
}
