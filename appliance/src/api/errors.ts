import type { FastifyError, FastifyInstance } from 'fastify'
import { SyncRefusal } from '../../../sync/src/index.js'
import { AppError, isAppError, type ErrorCode } from '../errors/index.js'

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION',
  FST_ERR_VALIDATION: 'VALIDATION'
}

/** The one place that turns errors into HTTP answers `{error, message (vi), messageEn, details?}`. */
export function installErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let appError: AppError
    if (isAppError(err)) appError = err
    // Sync cannot see the catalogue (it never imports the appliance); its codes are catalogue codes.
    else if (err instanceof SyncRefusal) appError = new AppError(err.code, err.details)
    else if (err.validation) appError = new AppError('VALIDATION', { problems: err.validation.map(v => `${v.instancePath || v.params?.missingProperty || ''} ${v.message ?? ''}`.trim()) })
    else if (err.code && FASTIFY_CODES[err.code]) appError = new AppError(FASTIFY_CODES[err.code])
    else if (err.statusCode === 429) appError = new AppError('RATE_LIMITED')
    else appError = new AppError('INTERNAL', undefined, err)
    if (appError.status >= 500) request.log.error({ err }, 'request failed')
    // Every "too many" answer says when to come back.
    const retryAfter = appError.details?.retryAfterSeconds
    if (appError.status === 429 && reply.getHeader('retry-after') === undefined) void reply.header('retry-after', String(typeof retryAfter === 'number' ? retryAfter : 1))
    void reply.code(appError.status).type('application/json; charset=utf-8').send(appError.toJSON())
  })
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(new AppError('NOT_FOUND', { path: request.url.split('?')[0] }).toJSON())
  })
}
