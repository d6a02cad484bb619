/** Turns libvips/sharp failures into catalogue errors. The reason kept is libvips' own text (no personal data). */
import { AppError, isAppError } from '../errors/index.js'

export function fromSharpError (err: unknown, format?: string): AppError {
  if (isAppError(err)) return err
  const message = err instanceof Error ? err.message : String(err)
  const reason = message.slice(0, 300)
  const details = { ...(format ? { format } : {}), reason }
  if (/pixel limit/i.test(message)) return new AppError('IMAGE_TOO_MANY_PIXELS', details, err)
  if (/truncat|premature end|unexpected end|end of (file|data)|short read|not enough data|read error/i.test(message)) {
    return new AppError('IMAGE_TRUNCATED', details, err)
  }
  return new AppError('IMAGE_UNDECODABLE', details, err)
}
