/**
 * Turns SANE statuses and network failures into catalogue errors. Statuses keep their SANE name in
 * `details.status` so callers can tell a jam from an empty feeder; network failures carry `details.reason`
 * and the stage (connect, rpc, data) where they happened.
 */
import { AppError, type ErrorCode } from '../../errors/index.js'
import { statusName, type SaneStatusName } from './constants.js'

const STATUS_CODES: Record<Exclude<SaneStatusName, 'GOOD'>, ErrorCode> = {
  UNSUPPORTED: 'SANE_UNSUPPORTED',
  CANCELLED: 'SANE_CANCELLED',
  DEVICE_BUSY: 'SANE_DEVICE_BUSY',
  INVAL: 'SANE_INVALID',
  // EOF is a normal end of frame; as the answer to any other call it means the server is confused.
  EOF: 'SANE_PROTOCOL',
  JAMMED: 'SANE_JAMMED',
  NO_DOCS: 'SANE_NO_DOCS',
  COVER_OPEN: 'SANE_COVER_OPEN',
  IO_ERROR: 'SANE_IO_ERROR',
  NO_MEM: 'SANE_NO_MEM',
  ACCESS_DENIED: 'SANE_ACCESS_DENIED',
  // The lamp is warming up: like busy, the caller should retry later.
  WARMING_UP: 'SANE_DEVICE_BUSY',
  // The transport lock is closed: a hardware condition the operator must fix.
  HW_LOCKED: 'SANE_IO_ERROR'
}

export type ErrorContext = Record<string, unknown>

/** The error for a non-GOOD status answered by saned (or the status byte that ends a frame). */
export function statusError (status: number, context: ErrorContext = {}, code?: ErrorCode): AppError {
  const name = statusName(status)
  const mapped = code ?? (name in STATUS_CODES ? STATUS_CODES[name as keyof typeof STATUS_CODES] : 'SANE_PROTOCOL')
  return new AppError(mapped, { status: name, ...context })
}

export function timeoutError (stage: string, timeoutMs: number, context: ErrorContext = {}): AppError {
  return new AppError('SANE_TIMEOUT', { reason: 'timeout', stage, timeoutMs, ...context })
}

export function connectionLostError (stage: string, context: ErrorContext = {}, cause?: unknown): AppError {
  return new AppError('SANE_UNREACHABLE', { reason: 'connection-lost', stage, ...context }, cause)
}

export function unreachableError (reason: string, context: ErrorContext = {}, cause?: unknown): AppError {
  return new AppError('SANE_UNREACHABLE', { reason, ...context }, cause)
}

export function protocolError (reason: string, context: ErrorContext = {}): AppError {
  return new AppError('SANE_PROTOCOL', { reason, ...context })
}

/** A value or call refused before it reaches the scanner (the constraint or the capabilities say no). */
export function invalidError (reason: string, context: ErrorContext = {}): AppError {
  return new AppError('SANE_INVALID', { reason, ...context })
}

/** True when `err` came from a SANE status with this name, e.g. `hasSaneStatus(e, 'NO_DOCS')`. */
export function hasSaneStatus (err: unknown, name: SaneStatusName): boolean {
  return err instanceof AppError && err.details?.status === name
}
