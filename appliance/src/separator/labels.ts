/** The words printed on a separator sheet, per language. */

export type SheetLanguage = 'vi' | 'en'

export interface SheetLabels {
  title: string
  unit: string
  dossierCode: string
  procedureCode: string
  resultTypeCode: string
  box: string
  file: string
  inventoryFileId: string
  none: string
  instructionsHeading: string
  instructions: string[]
  sheetOf: (n: number, total: number) => string
}

export const LABELS: Record<SheetLanguage, SheetLabels> = {
  vi: {
    title: 'TỜ PHÂN CÁCH HỒ SƠ',
    unit: 'Đơn vị',
    dossierCode: 'Mã hồ sơ',
    procedureCode: 'Mã thủ tục hành chính',
    resultTypeCode: 'Mã kết quả',
    box: 'Hộp số',
    file: 'Hồ sơ số',
    inventoryFileId: 'Mã trong mục lục',
    none: '—',
    instructionsHeading: 'Hướng dẫn',
    instructions: [
      'Đặt tờ này lên trước hồ sơ khi quét.',
      'Mỗi hồ sơ một tờ phân cách; cả chồng giấy được quét liền một lượt qua khay nạp giấy.',
      'Tờ này không được lưu vào hồ sơ. Mặt sau để trống.',
      'Không gấp, không viết hay đóng dấu lên mã QR.'
    ],
    sheetOf: (n, total) => `Tờ ${n}/${total}`
  },
  en: {
    title: 'RECORD SEPARATOR SHEET',
    unit: 'Unit',
    dossierCode: 'Dossier code',
    procedureCode: 'Procedure code',
    resultTypeCode: 'Result type code',
    box: 'Box',
    file: 'File',
    inventoryFileId: 'Inventory id',
    none: '—',
    instructionsHeading: 'Instructions',
    instructions: [
      'Put this sheet on top of the record when scanning.',
      'One separator sheet per record; scan the whole stack in one pass through the document feeder.',
      'This sheet is not stored with the record. Leave its back blank.',
      'Do not fold the sheet, nor write or stamp on the QR code.'
    ],
    sheetOf: (n, total) => `Sheet ${n} of ${total}`
  }
}
