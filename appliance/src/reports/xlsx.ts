/**
 * The progress report as a real spreadsheet (exceljs) for the yearly report to the Department: Vietnamese headers,
 * number formats, and totals rows as formulas. exceljs does not calculate formulas, so every formula carries its
 * `result` (the API's figure): readers that do not recalculate show the right total, and Excel agrees on load.
 */
import type ExcelJS from 'exceljs'
import type { UnitLevel } from '../store/index.js'
import type { Figures, ProgressReport } from './index.js'

export const LEVEL_NAMES: Record<UnitLevel, string> = { province: 'Cấp tỉnh', district: 'Cấp huyện', commune: 'Cấp xã' }

/** The figure columns, in order, shared by both sheets (and the CSV). */
export const FIGURE_COLUMNS: ReadonlyArray<{ key: keyof Figures, header: string, numFmt: string, width: number, sum: boolean }> = [
  { key: 'received', header: 'Số trang đã nhận', numFmt: '#,##0', width: 14, sum: true },
  { key: 'recognized', header: 'Số trang đã nhận dạng', numFmt: '#,##0', width: 14, sum: true },
  { key: 'archived', header: 'Số trang đã lưu trữ', numFmt: '#,##0', width: 14, sum: true },
  { key: 'target', header: 'Chỉ tiêu (trang)', numFmt: '#,##0', width: 14, sum: true },
  { key: 'percent', header: 'Tỷ lệ hoàn thành', numFmt: '0.0%', width: 12, sum: false },
  { key: 'counted', header: 'Số trang kiểm đếm', numFmt: '#,##0', width: 14, sum: true },
  { key: 'countedArchived', header: 'Đã lưu trữ theo kiểm đếm', numFmt: '#,##0', width: 14, sum: true },
  { key: 'costVnd', header: 'Kinh phí (đồng)', numFmt: '#,##0', width: 18, sum: true },
  { key: 'rateArchived', header: 'Tốc độ 30 ngày (trang/ngày)', numFmt: '#,##0.0', width: 14, sum: true },
  { key: 'forecast', header: 'Dự kiến hoàn thành', numFmt: 'dd/mm/yyyy', width: 14, sum: false }
]

const HEADER_ROW = 4

const letter = (n: number): string => n <= 26 ? String.fromCharCode(64 + n) : letter(Math.floor((n - 1) / 26)) + String.fromCharCode(65 + ((n - 1) % 26))
const day = (iso: string | null): Date | null => iso === null ? null : new Date(`${iso}T00:00:00Z`)

function cellValue (f: Figures, key: keyof Figures): ExcelJS.CellValue {
  if (key === 'percent') return f.percent === null ? null : f.percent / 100
  if (key === 'forecast') return day(f.forecast)
  const v = f[key]
  return typeof v === 'number' ? v : null
}

function title (ws: ExcelJS.Worksheet, report: ProgressReport, columns: number, heading: string): void {
  ws.mergeCells(1, 1, 1, columns)
  ws.getCell(1, 1).value = `BÁO CÁO TIẾN ĐỘ SỐ HÓA KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH${report.year !== null ? ` NĂM ${report.year}` : ''} — ${heading}`
  ws.getCell(1, 1).font = { bold: true, size: 13 }
  ws.mergeCells(2, 1, 2, columns)
  const scope = report.unit !== null ? `Đơn vị: ${report.unit} và các đơn vị trực thuộc, đơn vị hợp nhất · ` : ''
  ws.getCell(2, 1).value = `${scope}Đơn giá: ${report.unitPriceVnd.toLocaleString('vi-VN')} đồng/trang · Lập lúc: ${report.generatedAt}`
  ws.getCell(2, 1).font = { italic: true }
}

function header (ws: ExcelJS.Worksheet, labels: string[], widths: number[]): void {
  const row = ws.getRow(HEADER_ROW)
  labels.forEach((label, i) => {
    const cell = row.getCell(i + 1)
    cell.value = label
    cell.font = { bold: true }
    cell.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' }
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } }
    ws.getColumn(i + 1).width = widths[i]
  })
  ws.views = [{ state: 'frozen', ySplit: HEADER_ROW }]
}

/** Writes the figure cells of one row, from column `first`. */
function figureCells (row: ExcelJS.Row, first: number, f: Figures): void {
  FIGURE_COLUMNS.forEach((c, i) => {
    const cell = row.getCell(first + i)
    cell.value = cellValue(f, c.key)
    cell.numFmt = c.numFmt
  })
}

/**
 * The totals row: sums (only over `criterionColumn` = 1 when given) with their results, the percentage as a formula
 * of the summed cells, and the forecast as computed by the report.
 */
function totalsRow (ws: ExcelJS.Worksheet, at: number, first: number, lastData: number, totals: Figures, criterionColumn?: number): void {
  const row = ws.getRow(at)
  row.getCell(1).value = 'Tổng cộng'
  const col = (key: keyof Figures): string => letter(first + FIGURE_COLUMNS.findIndex(c => c.key === key))
  FIGURE_COLUMNS.forEach((c, i) => {
    const cell = row.getCell(first + i)
    const L = letter(first + i)
    const range = `${L}${HEADER_ROW + 1}:${L}${lastData}`
    if (c.sum) {
      const criterion = criterionColumn === undefined ? null : `${letter(criterionColumn)}${HEADER_ROW + 1}:${letter(criterionColumn)}${lastData}`
      const formula = criterion === null ? `SUM(${range})` : `SUMIF(${criterion},1,${range})`
      cell.value = { formula, result: (cellValue(totals, c.key) as number | null) ?? 0 }
    } else if (c.key === 'percent') {
      const result = cellValue(totals, 'percent') as number | null
      cell.value = { formula: `IF(${col('target')}${at}>0,${col('archived')}${at}/${col('target')}${at},"")`, result: result ?? '' }
    } else {
      cell.value = cellValue(totals, c.key)
    }
    cell.numFmt = c.numFmt
  })
  row.font = { bold: true }
  row.border = { top: { style: 'thin' } }
}

export async function progressXlsx (report: ProgressReport): Promise<Buffer> {
  // Loaded on the first report: exceljs and its zip libraries are about 450 modules every start would read.
  const { default: Excel } = await import('exceljs')
  const wb = new Excel.Workbook()
  wb.creator = 'sohoa'
  wb.created = new Date(report.generatedAt)
  wb.calcProperties.fullCalcOnLoad = true

  // Sheet 1: one row per unit; a successor's row includes its predecessors, so the total sums only "in total" rows.
  const ws = wb.addWorksheet('Tiến độ theo đơn vị')
  const lead = ['Mã đơn vị', 'Tên đơn vị', 'Cấp', 'Hợp nhất vào', 'Tính vào tổng']
  const first = lead.length + 1
  const columns = lead.length + FIGURE_COLUMNS.length
  title(ws, report, columns, 'THEO ĐƠN VỊ')
  header(ws, [...lead, ...FIGURE_COLUMNS.map(c => c.header)], [11, 30, 11, 12, 9, ...FIGURE_COLUMNS.map(c => c.width)])
  report.rows.forEach((r, i) => {
    const row = ws.getRow(HEADER_ROW + 1 + i)
    row.getCell(1).value = r.code
    row.getCell(2).value = r.includes.length > 0 ? `${r.name} (gồm ${r.includes.join(', ')})` : r.name
    row.getCell(3).value = LEVEL_NAMES[r.level]
    row.getCell(4).value = r.mergedInto
    row.getCell(5).value = r.inTotal ? 1 : 0
    figureCells(row, first, r)
    if (r.mergedInto !== null) row.font = { italic: true, color: { argb: 'FF7F7F7F' } }
  })
  const lastData = HEADER_ROW + Math.max(report.rows.length, 1)
  totalsRow(ws, lastData + 1, first, lastData, report.totals, 5)
  ws.getCell(lastData + 3, 1).value = 'Ghi chú: dòng của đơn vị kế thừa gồm cả số liệu của các đơn vị đã hợp nhất vào nó (cột "Hợp nhất vào"); tổng cộng chỉ cộng các dòng có "Tính vào tổng" = 1. Chỉ tiêu ước tính: chia đều chỉ tiêu nhóm của kế hoạch.'
  ws.getCell(lastData + 3, 1).font = { italic: true, size: 9 }

  // Sheet 2: rolled up by level; levels partition the units, so a plain SUM is the total.
  const wl = wb.addWorksheet('Tổng hợp theo cấp')
  const leadL = ['Cấp', 'Số đơn vị']
  title(wl, report, leadL.length + FIGURE_COLUMNS.length, 'THEO CẤP')
  header(wl, [...leadL, ...FIGURE_COLUMNS.map(c => c.header)], [14, 10, ...FIGURE_COLUMNS.map(c => c.width)])
  report.byLevel.forEach((l, i) => {
    const row = wl.getRow(HEADER_ROW + 1 + i)
    row.getCell(1).value = LEVEL_NAMES[l.level]
    row.getCell(2).value = l.units
    figureCells(row, leadL.length + 1, l)
  })
  const lastLevel = HEADER_ROW + Math.max(report.byLevel.length, 1)
  totalsRow(wl, lastLevel + 1, leadL.length + 1, lastLevel, report.totals)
  wl.getRow(lastLevel + 1).getCell(2).value = { formula: `SUM(B${HEADER_ROW + 1}:B${lastLevel})`, result: report.byLevel.reduce((n, l) => n + l.units, 0) }

  return Buffer.from(await wb.xlsx.writeBuffer())
}
