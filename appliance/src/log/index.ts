/**
 * The JSON logger. Personal data (citizen names, ID numbers, OCR text, search words, file names) must never reach a
 * log line: request URLs are logged without their query string, secrets and bodies are never logged, and domain
 * code logs ids and counts only.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino'

export type { Logger } from 'pino'

export function createLogger (level: LevelWithSilent = 'info', destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { app: 'sohoa' },
    redact: { paths: ['password', 'secret', 'token', '*.password', '*.secret', '*.token', 'req.headers.authorization', 'req.headers.cookie'], censor: '***' },
    serializers: {
      req: (req: { id?: string, method?: string, url?: string }) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err
    }
  }, destination)
}
