/**
 * What sync refuses in this node's state. Sync is the lower layer: it never imports the appliance (the appliance
 * implements sync's interfaces and builds it), so it does not see the appliance's error catalogue. Its codes are
 * the catalogue's codes; the appliance's API error handler turns a `SyncRefusal` into that catalogue entry.
 */
export type SyncRefusalCode = 'SYNC_ROLE' | 'SYNC_NOT_CONFIGURED' | 'RESTORE_RUNNING'

const MESSAGES: Record<SyncRefusalCode, string> = {
  SYNC_ROLE: 'Thao tác này không dành cho vai trò của nút này (huyện/tỉnh) / This is not available in this node\'s role (district/province)',
  SYNC_NOT_CONFIGURED: 'Chưa cấu hình địa chỉ nút tỉnh (SOHOA_PROVINCE) / No province address is configured (SOHOA_PROVINCE)',
  RESTORE_RUNNING: 'Đang khôi phục dữ liệu từ nút tỉnh / A restore from the province is already running'
}

export class SyncRefusal extends Error {
  readonly code: SyncRefusalCode
  readonly details?: Record<string, unknown>

  constructor (code: SyncRefusalCode, details?: Record<string, unknown>) {
    super(MESSAGES[code])
    this.name = 'SyncRefusal'
    this.code = code
    this.details = details
  }
}
