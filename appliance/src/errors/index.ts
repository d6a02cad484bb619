/**
 * The one catalogue of errors sohoa shows to people and to API clients.
 * Every error has a stable code (never reused), an HTTP status (mapped in one place, the API's error handler),
 * and a message in Vietnamese first, English second. Domain code throws these; it never throws HTTP errors.
 */
export interface ErrorSpec {
  status: number
  vi: string
  en: string
}

export class AppError extends Error {
  readonly code: string
  readonly status: number
  readonly messageVi: string
  readonly messageEn: string
  readonly details?: Record<string, unknown>

  constructor (code: ErrorCode, details?: Record<string, unknown>, cause?: unknown) {
    const spec = CATALOGUE[code]
    super(`${spec.vi} / ${spec.en}`, { cause })
    this.name = 'AppError'
    this.code = code
    this.status = spec.status
    this.messageVi = spec.vi
    this.messageEn = spec.en
    this.details = details
  }

  toJSON (): Record<string, unknown> {
    return { error: this.code, message: this.messageVi, messageEn: this.messageEn, ...(this.details ? { details: this.details } : {}) }
  }
}

export const CATALOGUE = {
  // configuration
  CONFIG_INVALID: { status: 500, vi: 'Cấu hình không hợp lệ', en: 'Invalid configuration' },
  // input
  VALIDATION: { status: 400, vi: 'Dữ liệu gửi lên không hợp lệ', en: 'The request is not valid' },
  UNKNOWN_UNIT: { status: 400, vi: 'Không tìm thấy đơn vị với mã này', en: 'No unit has this code' },
  UNIT_EXISTS: { status: 409, vi: 'Đơn vị với mã này đã tồn tại', en: 'A unit with this code already exists' },
  UNIT_MERGED: { status: 409, vi: 'Đơn vị đã được hợp nhất vào một đơn vị khác', en: 'This unit was already merged into another unit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, vi: 'Định dạng tệp không được hỗ trợ (chỉ nhận JPEG, PNG, TIFF, PDF)', en: 'Unsupported file type (JPEG, PNG, TIFF and PDF only)' },
  PAYLOAD_TOO_LARGE: { status: 413, vi: 'Tệp quá lớn', en: 'The file is too large' },
  EMPTY_BODY: { status: 422, vi: 'Tệp rỗng', en: 'The file is empty' },
  IMAGE_UNDECODABLE: { status: 422, vi: 'Không đọc được ảnh: tệp hỏng hoặc không phải ảnh', en: 'The image cannot be decoded: the file is damaged or not an image' },
  IMAGE_TRUNCATED: { status: 422, vi: 'Ảnh bị cắt cụt (tệp chưa được gửi hết)', en: 'The image is truncated (the file was not sent whole)' },
  IMAGE_TOO_MANY_PIXELS: { status: 422, vi: 'Ảnh có quá nhiều điểm ảnh', en: 'The image has more pixels than allowed' },
  FILE_TOO_MANY_PIXELS: { status: 422, vi: 'Tổng số điểm ảnh của các trang trong tệp vượt giới hạn: hãy chia tệp thành nhiều lần gửi', en: 'The pages of this file have more pixels together than allowed: send it in several parts' },
  UPLOADS_BUSY: { status: 429, vi: 'Đang nhận quá nhiều tệp cùng lúc, vui lòng gửi lại sau ít giây', en: 'Too many uploads at once, send again in a few seconds' },
  PDF_ENCRYPTED: { status: 422, vi: 'Tệp PDF được mã hóa hoặc đặt mật khẩu: hãy tắt mã hóa PDF trên máy photocopy rồi quét lại', en: 'The PDF is encrypted or password-protected: turn off PDF encryption on the copier and scan again' },
  PDF_TRUNCATED: { status: 422, vi: 'Tệp PDF bị cắt cụt (tệp chưa được gửi hết)', en: 'The PDF is truncated (the file was not sent whole)' },
  PDF_UNREADABLE: { status: 422, vi: 'Không đọc được tệp PDF: tệp hỏng hoặc cấu trúc không hợp lệ', en: 'The PDF cannot be read: the file is damaged or its structure is not valid' },
  PDF_NO_IMAGES: { status: 422, vi: 'Tệp PDF có trang không phải bản quét (không có ảnh quét): hãy quét bản giấy', en: 'The PDF has a page that is not a scan (no scanned image): scan the paper document' },
  PDF_TOO_MANY_PAGES: { status: 422, vi: 'Tệp PDF có quá nhiều trang', en: 'The PDF has more pages than allowed' },
  IDEMPOTENCY_KEY_REUSED: { status: 409, vi: 'Khóa Idempotency-Key này đã được dùng cho một tệp hoặc đơn vị khác: hãy dùng khóa mới cho mỗi lần gửi', en: 'This Idempotency-Key was already used for another file or unit: use a new key for each upload' },
  UPLOAD_INTERRUPTED: { status: 408, vi: 'Việc gửi tệp bị gián đoạn (kết nối bị ngắt hoặc treo quá lâu)', en: 'The upload was interrupted (the connection broke or stalled)' },
  // lookups
  NOT_FOUND: { status: 404, vi: 'Không tìm thấy', en: 'Not found' },
  RECORD_NOT_FOUND: { status: 404, vi: 'Không tìm thấy hồ sơ', en: 'Record not found' },
  PAGE_NOT_FOUND: { status: 404, vi: 'Không tìm thấy trang', en: 'Page not found' },
  BATCH_NOT_FOUND: { status: 404, vi: 'Không tìm thấy đợt quét', en: 'Batch not found' },
  TOKEN_NOT_FOUND: { status: 404, vi: 'Không tìm thấy mã truy cập', en: 'Token not found' },
  USER_EXISTS: { status: 409, vi: 'Tên đăng nhập đã tồn tại', en: 'This user name is taken' },
  INVENTORY_NOT_FOUND: { status: 404, vi: 'Không tìm thấy hộp hoặc hồ sơ trong danh mục kiểm đếm', en: 'Box or file not found in the inventory' },
  INVENTORY_EXISTS: { status: 409, vi: 'Hộp hoặc hồ sơ với số này (hoặc mã hồ sơ này) đã có trong danh mục kiểm đếm của đơn vị', en: 'The unit\'s inventory already has a box or file with this number (or this dossier code)' },
  // record lifecycle (review, approval, archive, validity, retention)
  VERSION_REQUIRED: { status: 428, vi: 'Thiếu phiên bản hồ sơ (tiêu đề If-Match): hãy tải lại hồ sơ rồi sửa', en: 'The record version (If-Match header) is missing: reload the record, then edit' },
  VERSION_CONFLICT: { status: 412, vi: 'Hồ sơ vừa được người khác sửa: hãy tải lại để xem bản mới nhất', en: 'Someone else changed this record: reload it to see the latest version' },
  RECORD_STATE: { status: 409, vi: 'Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ', en: 'This cannot be done in the record\'s current state' },
  RECORD_ARCHIVED: { status: 409, vi: 'Hồ sơ đã lưu trữ không được sửa; hãy tạo hồ sơ thay thế', en: 'An archived record never changes; make a new record that replaces it' },
  RECORD_NOT_READY: { status: 409, vi: 'Hồ sơ chưa nhận dạng xong tất cả các trang', en: 'Not every page of the record has been recognised yet' },
  FIELD_INVALID: { status: 400, vi: 'Giá trị trường không hợp lệ', en: 'A field value is not valid' },
  RETENTION_NOT_OVER: { status: 409, vi: 'Chưa hết thời hạn bảo quản: không được xóa', en: 'The retention period is not over: it cannot be deleted' },
  SERVICE_UNAVAILABLE: { status: 503, vi: 'Chức năng này chưa chạy trên nút này (khởi động lại thiết bị hoặc xem cấu hình)', en: 'This function is not running on this node (restart it or check the configuration)' },
  ARCHIVE_FAILED: { status: 500, vi: 'Không lưu trữ được hồ sơ (tạo PDF, ký số hoặc ghi nhật ký)', en: 'The record could not be archived (PDF, signature or log)' },
  LOG_ENTRY_INVALID: { status: 500, vi: 'Bản ghi nhật ký lưu trữ không hợp lệ (sai chữ ký, đứt chuỗi, sai số thứ tự hoặc sai định dạng)', en: 'An archive log entry is not valid (bad signature, broken chain, wrong sequence number or malformed)' },
  NODE_KEY_INVALID: { status: 500, vi: 'Tệp khóa của nút (node.key) bị hỏng hoặc không phải khóa Ed25519: không tự tạo khóa mới, hãy khôi phục tệp', en: 'The node key file (node.key) is damaged or not an Ed25519 key: no new key is made; restore the file' },
  FILE_INTEGRITY: { status: 500, vi: 'Tệp lưu trữ đã bị thay đổi: nội dung không còn khớp mã SHA-256 của nó', en: 'A stored file has changed: its bytes no longer match its SHA-256' },
  // signing certificates (the agency's PKCS#12)
  CERT_INVALID: { status: 422, vi: 'Tệp chứng thư số không hợp lệ (không phải PKCS#12, bị hỏng, thiếu khóa bí mật hoặc loại khóa không hỗ trợ)', en: 'The certificate file is not valid (not PKCS#12, damaged, without a private key, or an unsupported key type)' },
  CERT_PASSWORD: { status: 422, vi: 'Sai mật khẩu của tệp chứng thư số', en: 'Wrong passphrase for the certificate file' },
  CERT_EXPIRED: { status: 422, vi: 'Chứng thư số đã hết hạn tại thời điểm ký', en: 'The certificate had expired at the signing time' },
  CERT_NOT_YET_VALID: { status: 422, vi: 'Chứng thư số chưa có hiệu lực tại thời điểm ký', en: 'The certificate was not yet valid at the signing time' },
  // access
  UNAUTHENTICATED: { status: 401, vi: 'Chưa đăng nhập hoặc mã truy cập không hợp lệ', en: 'Not signed in, or the token is not valid' },
  LOGIN_FAILED: { status: 401, vi: 'Sai tên đăng nhập hoặc mật khẩu', en: 'Wrong user name or password' },
  FORBIDDEN: { status: 403, vi: 'Bạn không có quyền thực hiện thao tác này', en: 'You are not allowed to do this' },
  CSRF: { status: 403, vi: 'Thiếu hoặc sai mã chống giả mạo yêu cầu (CSRF)', en: 'Missing or wrong CSRF token' },
  LINK_EXPIRED: { status: 410, vi: 'Đường dẫn tải tệp đã hết hạn: hãy tra cứu lại để nhận đường dẫn mới', en: 'The download link has expired: look the result up again for a new link' },
  LINK_INVALID: { status: 403, vi: 'Đường dẫn tải tệp không hợp lệ', en: 'The download link is not valid' },
  PURPOSE_REQUIRED: { status: 400, vi: 'Tra cứu theo số định danh cá nhân phải nêu mục đích sử dụng', en: 'A lookup by personal ID number must state its purpose' },
  RATE_LIMITED: { status: 429, vi: 'Quá nhiều yêu cầu, vui lòng thử lại sau', en: 'Too many requests, try again later' },
  // scanners (SANE statuses and the network around them)
  SANE_UNSUPPORTED: { status: 400, vi: 'Máy quét không hỗ trợ thao tác này', en: 'The scanner does not support this operation' },
  SANE_CANCELLED: { status: 409, vi: 'Lượt quét đã bị hủy', en: 'The scan was cancelled' },
  SANE_DEVICE_BUSY: { status: 409, vi: 'Thiết bị bận: máy quét đang được dùng', en: 'Device busy: the scanner is in use' },
  SANE_INVALID: { status: 400, vi: 'Giá trị tùy chọn máy quét không hợp lệ', en: 'Invalid scanner option value' },
  SANE_JAMMED: { status: 409, vi: 'Kẹt giấy: hãy gỡ giấy kẹt rồi tiếp tục', en: 'Paper jam: clear the paper, then resume' },
  SANE_NO_DOCS: { status: 409, vi: 'Hết giấy: khay nạp giấy trống', en: 'Feeder empty: no documents in the feeder' },
  SANE_COVER_OPEN: { status: 409, vi: 'Nắp máy quét đang mở: hãy đóng nắp rồi tiếp tục', en: 'Scanner cover open: close it, then resume' },
  SANE_IO_ERROR: { status: 502, vi: 'Lỗi thiết bị: máy quét báo lỗi vào/ra', en: 'Device I/O error reported by the scanner' },
  SANE_NO_MEM: { status: 502, vi: 'Máy quét hết bộ nhớ', en: 'The scanner ran out of memory' },
  SANE_ACCESS_DENIED: { status: 403, vi: 'Máy quét từ chối truy cập (sai tài khoản hoặc mật khẩu saned)', en: 'Access to the scanner was denied (wrong saned user or password)' },
  SANE_UNREACHABLE: { status: 502, vi: 'Không kết nối được tới máy chủ quét (saned)', en: 'Cannot reach the scan server (saned)' },
  SANE_TIMEOUT: { status: 504, vi: 'Máy chủ quét (saned) không trả lời kịp thời', en: 'The scan server (saned) did not answer in time' },
  SANE_PROTOCOL: { status: 502, vi: 'Máy chủ quét (saned) trả lời sai giao thức', en: 'The scan server (saned) broke the protocol' },
  SANE_UNKNOWN_DEVICE: { status: 404, vi: 'Không tìm thấy máy quét', en: 'Scanner not found' },
  SCANNER_BUSY: { status: 409, vi: 'Máy quét đang chạy một đợt quét khác: chờ đợt đó xong hoặc hủy nó', en: 'This scanner is already running a batch: wait for it to end or cancel it' },
  SCAN_INTERRUPTED: { status: 409, vi: 'Đợt quét bị gián đoạn vì hệ thống dừng hoặc khởi động lại: hãy tiếp tục đợt quét', en: 'The scan was interrupted because the appliance stopped or restarted: resume the batch' },
  BATCH_STATE: { status: 409, vi: 'Đợt quét không ở trạng thái cho phép thao tác này', en: 'The batch is not in a state that allows this' },
  SCANNERS_DISABLED: { status: 503, vi: 'Chức năng máy quét không chạy trên nút này', en: 'Scanners are not available on this node' },
  // replication to the province and restore (issue 5)
  SYNC_DISABLED: { status: 503, vi: 'Chức năng đồng bộ không chạy trên nút này', en: 'Replication is not available on this node' },
  SYNC_ROLE: { status: 409, vi: 'Thao tác này không dành cho vai trò của nút này (huyện/tỉnh)', en: 'This is not available in this node\'s role (district/province)' },
  SYNC_NOT_CONFIGURED: { status: 409, vi: 'Chưa cấu hình địa chỉ nút tỉnh (SOHOA_PROVINCE)', en: 'No province address is configured (SOHOA_PROVINCE)' },
  SYNC_PEER_UNKNOWN: { status: 404, vi: 'Nút này chưa được đăng ký với tỉnh', en: 'This node is not registered with the province' },
  SYNC_PEER_EXISTS: { status: 409, vi: 'Nút này đã được đăng ký cho một đơn vị khác', en: 'This node is already registered for another unit' },
  SYNC_OUT_OF_ORDER: { status: 409, vi: 'Bản ghi nhật ký đến sai thứ tự hoặc thiếu tệp', en: 'Log entries arrived out of order or without their files' },
  SYNC_PARTIAL_SPACE: { status: 507, vi: 'Huyện này đã dùng hết dung lượng dành cho tệp đang truyền dở tại nút tỉnh', en: 'This district has used up the space the province keeps for its unfinished file transfers' },
  SYNC_PEER_REVOKED: { status: 409, vi: 'Khóa của nút này đã bị thu hồi', en: 'This node\'s key has been revoked' },
  SYNC_FAILED: { status: 502, vi: 'Đồng bộ với nút tỉnh thất bại', en: 'Replication with the province failed' },
  RESTORE_RUNNING: { status: 409, vi: 'Đang khôi phục dữ liệu từ nút tỉnh', en: 'A restore from the province is already running' },
  // the outbox to the one-stop systems and the national portal (issue 7)
  OUTBOX_DEAD_LETTER_NOT_FOUND: { status: 404, vi: 'Không tìm thấy thông điệp không gửi được (dead letter) này', en: 'This dead letter was not found' },
  OUTBOX_DEAD_LETTER_STATE: { status: 409, vi: 'Thông điệp này không còn chờ xử lý (đã gửi lại, đã gửi được, đã hủy, hoặc đích nhận không còn trong cấu hình)', en: 'This message is no longer waiting (already sent back, delivered, discarded, or its target is no longer configured)' },
  // storage and processing
  STORE_LOCKED: { status: 503, vi: 'Kho dữ liệu đang được một tiến trình sohoa khác sử dụng', en: 'The data store is in use by another sohoa process' },
  STORAGE_FAILED: { status: 507, vi: 'Không ghi được dữ liệu xuống đĩa', en: 'Could not write the data to disk' },
  OCR_FAILED: { status: 500, vi: 'Nhận dạng chữ thất bại', en: 'Text recognition failed' },
  SHUTTING_DOWN: { status: 503, vi: 'Hệ thống đang dừng, vui lòng thử lại sau', en: 'The appliance is shutting down, try again later' },
  INTERNAL: { status: 500, vi: 'Lỗi hệ thống', en: 'Internal error' }
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof CATALOGUE

export function isAppError (err: unknown): err is AppError {
  return err instanceof AppError
}
