// What push receivers need from intake, and how they turn its answer into an FTP reply or a reason file.
import { AppError, isAppError } from '../errors/index.js'
import type { Intake } from '../intake/index.js'

/** The one call push receivers make: a test may wrap the real Intake (e.g. to slow it down). */
export type IntakeDoor = Pick<Intake, 'accept'>

/**
 * Errors that are the file's own fault: sending the same bytes again can never succeed, so the FTP client gets a
 * permanent 5xx and a watched file goes to failed/. Anything else (disk full, shutting down, a unit missing from
 * the catalogue, a bug) is the appliance's problem: a transient 451, and a watched file stays where it is.
 */
const FILE_FAULTS: ReadonlySet<string> = new Set([
  'EMPTY_BODY', 'UNSUPPORTED_MEDIA_TYPE', 'IMAGE_UNDECODABLE', 'IMAGE_TRUNCATED', 'IMAGE_TOO_MANY_PIXELS', 'PAYLOAD_TOO_LARGE',
  'PDF_ENCRYPTED', 'PDF_TRUNCATED', 'PDF_UNREADABLE', 'PDF_NO_IMAGES', 'PDF_TOO_MANY_PAGES'
])

export function asAppError (err: unknown): AppError {
  return isAppError(err) ? err : new AppError('INTERNAL', undefined, err)
}

export function isFileFault (err: unknown): boolean {
  return isAppError(err) && FILE_FAULTS.has(err.code)
}

/** FTP reply for a refused upload (RFC 959): 552 too large, 426 transfer broken, 550 bad file, 451 our side (try later). */
export function ftpReplyCode (err: unknown): number {
  if (isAppError(err) && err.code === 'PAYLOAD_TOO_LARGE') return 552
  if (isAppError(err) && err.code === 'UPLOAD_INTERRUPTED') return 426
  return isFileFault(err) ? 550 : 451
}

/** The text of `<name>.reason.txt` beside a refused file: Vietnamese first, English second, no personal data. */
export function reasonText (err: AppError, when: Date = new Date()): string {
  return [
    'sohoa: tệp này không được nhận vào hệ thống / this file was not accepted',
    `Lý do: ${err.messageVi}`,
    `Reason: ${err.messageEn}`,
    `Mã lỗi / Code: ${err.code}`,
    `Thời điểm / Time: ${when.toISOString()}`,
    'Hãy quét lại tài liệu, hoặc sửa tệp rồi chép lại vào thư mục gốc. / Scan the document again, or fix the file and copy it back into the watched folder.',
    ''
  ].join('\n')
}

/** A code safe to log: errors from the file system carry paths in their message, and paths carry names. */
export function errorCode (err: unknown): string {
  if (isAppError(err)) return err.code
  return (err as NodeJS.ErrnoException | undefined)?.code ?? 'INTERNAL'
}
