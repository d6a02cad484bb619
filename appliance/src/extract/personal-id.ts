/**
 * Structure check of a personal ID number (số định danh cá nhân / CCCD, standards.md §4): 12 digits
 * `PPP G YY NNNNNN`, PPP the province where the birth was registered, G gender and century (0/1 = male/female born
 * 1900-1999, 2/3 = 2000-2099), YY the birth year. There is no check digit. The old 9-digit CMND is still met on
 * older results. The check only warns: the reviewer decides.
 */

/**
 * Province codes of the personal ID (the 63 provinces as they were until the 2025 merger; the statistics codes of
 * the provinces, padded to three digits). A number issued before a merger keeps its code for life.
 */
export const ID_PROVINCES: Readonly<Record<string, string>> = {
  '001': 'Hà Nội', '002': 'Hà Giang', '004': 'Cao Bằng', '006': 'Bắc Kạn', '008': 'Tuyên Quang', '010': 'Lào Cai',
  '011': 'Điện Biên', '012': 'Lai Châu', '014': 'Sơn La', '015': 'Yên Bái', '017': 'Hòa Bình', '019': 'Thái Nguyên',
  '020': 'Lạng Sơn', '022': 'Quảng Ninh', '024': 'Bắc Giang', '025': 'Phú Thọ', '026': 'Vĩnh Phúc', '027': 'Bắc Ninh',
  '030': 'Hải Dương', '031': 'Hải Phòng', '033': 'Hưng Yên', '034': 'Thái Bình', '035': 'Hà Nam', '036': 'Nam Định',
  '037': 'Ninh Bình', '038': 'Thanh Hóa', '040': 'Nghệ An', '042': 'Hà Tĩnh', '044': 'Quảng Bình', '045': 'Quảng Trị',
  '046': 'Thừa Thiên Huế', '048': 'Đà Nẵng', '049': 'Quảng Nam', '051': 'Quảng Ngãi', '052': 'Bình Định',
  '054': 'Phú Yên', '056': 'Khánh Hòa', '058': 'Ninh Thuận', '060': 'Bình Thuận', '062': 'Kon Tum', '064': 'Gia Lai',
  '066': 'Đắk Lắk', '067': 'Đắk Nông', '068': 'Lâm Đồng', '070': 'Bình Phước', '072': 'Tây Ninh', '074': 'Bình Dương',
  '075': 'Đồng Nai', '077': 'Bà Rịa - Vũng Tàu', '079': 'Hồ Chí Minh', '080': 'Long An', '082': 'Tiền Giang',
  '083': 'Bến Tre', '084': 'Trà Vinh', '086': 'Vĩnh Long', '087': 'Đồng Tháp', '089': 'An Giang', '091': 'Kiên Giang',
  '092': 'Cần Thơ', '093': 'Hậu Giang', '094': 'Sóc Trăng', '095': 'Bạc Liêu', '096': 'Cà Mau'
}

/** Warning codes, shown to the reviewer next to the value. */
export const ID_WARNINGS = {
  /** Not 12 digits (nor the 9 of an old CMND), or holds other characters. */
  format: 'SUBJECT_ID_FORMAT',
  /** A 9-digit CMND: accepted, but not the 12-digit personal ID. */
  oldCmnd: 'SUBJECT_ID_OLD_CMND',
  /** PPP is not a province code. */
  province: 'SUBJECT_ID_PROVINCE',
  /** G is not 0-3 (born outside 1900-2099). */
  century: 'SUBJECT_ID_GENDER_CENTURY',
  /** The birth year it encodes is in the future or more than 120 years ago. */
  birthYear: 'SUBJECT_ID_BIRTH_YEAR'
} as const

const OLDEST_AGE = 120

/** Warning codes for a personal ID number (spaces and dots as printed are ignored); empty when it looks right. */
export function checkPersonalId (id: string, now: Date = new Date()): string[] {
  const digits = String(id).replace(/[\s.]/gu, '')
  if (/^\d{9}$/u.test(digits)) return [ID_WARNINGS.oldCmnd]
  if (!/^\d{12}$/u.test(digits)) return [ID_WARNINGS.format]
  const warnings: string[] = []
  if (!(digits.slice(0, 3) in ID_PROVINCES)) warnings.push(ID_WARNINGS.province)
  const g = Number(digits[3])
  if (g > 3) warnings.push(ID_WARNINGS.century)
  else {
    const year = (g < 2 ? 1900 : 2000) + Number(digits.slice(4, 6))
    const thisYear = now.getUTCFullYear()
    if (year > thisYear || year < thisYear - OLDEST_AGE) warnings.push(ID_WARNINGS.birthYear)
  }
  return warnings
}
