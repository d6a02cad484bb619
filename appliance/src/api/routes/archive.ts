/**
 * The archived copy and its care: the signed PDF, the archival package, validity changes, lawful deletion, a retry
 * of archiving, the archive's state (signing certificate, log head), and separator cover sheets to print.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import { buildPackage } from '../../archive/index.js'
import { renderSeparatorSheets, type SeparatorInfo } from '../../separator/index.js'
import type { Services } from '../types.js'
import { idParam, recordSchema } from './records.js'
import { sendView } from './record-review.js'

/** RFC 6266 filename: ASCII fallback plus the UTF-8 form. */
function attachment (name: string, inline = false): string {
  const ascii = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '')
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

const who = (request: { principal: { id: string } | null }): string => request.principal?.id ?? 'unknown'

const sheetSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['unit'],
  properties: {
    unit: { type: 'string', pattern: '^[0-9A-Za-z.]{1,35}$' },
    dossierCode: { type: ['string', 'null'], maxLength: 60 },
    procedureCode: { type: ['string', 'null'], maxLength: 40 },
    resultTypeCode: { type: ['string', 'null'], maxLength: 40 },
    box: { type: ['string', 'null'], maxLength: 20 },
    file: { type: ['string', 'null'], maxLength: 20 },
    inventoryFileId: { type: ['string', 'null'], maxLength: 64 }
  }
} as const

export default async function archiveRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { records, files } = services

  app.get<{ Params: { id: string }, Querystring: { download?: boolean } }>('/api/v1/records/:id/document.pdf', {
    config: { permission: 'read' },
    schema: { params: idParam, querystring: { type: 'object', properties: { download: { type: 'boolean', default: false } } } }
  }, async (request, reply) => {
    const record = await records.entry(request.params.id)
    if (record.status !== 'archived' || !record.pdf) throw new AppError('RECORD_STATE', { recordId: record.id, status: record.status, needs: 'archived' })
    if (request.headers['if-none-match'] === `"${record.pdf.sha256}"`) return await reply.code(304).send()
    return await reply
      .type('application/pdf')
      .header('content-length', record.pdf.size)
      .header('etag', `"${record.pdf.sha256}"`)
      .header('content-disposition', attachment(record.pdf.filename, !request.query.download))
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(files.stream(record.pdf.sha256))
  })

  app.get<{ Params: { id: string } }>('/api/v1/records/:id/package.zip', {
    config: { permission: 'read' },
    schema: { params: idParam }
  }, async (request, reply) => {
    const archive = services.archive
    if (!archive) throw new AppError('SERVICE_UNAVAILABLE')
    const record = await records.entry(request.params.id)
    if (record.status !== 'archived') throw new AppError('RECORD_STATE', { recordId: record.id, status: record.status, needs: 'archived' })
    const unitName = await services.units.get(record.unit).then(u => u.name, () => null)
    const input = await archive.packageInput(record.id, unitName)
    return await reply
      .type('application/zip')
      .header('content-disposition', attachment(`${record.pdf?.filename.replace(/\.pdf$/, '') ?? record.id}.zip`))
      .send(buildPackage(input))
  })

  app.post<{ Params: { id: string }, Body: { action: 'revoke' | 'replace', reason: string, replacedBy?: string } }>('/api/v1/records/:id/validity', {
    config: { permission: 'review' },
    schema: {
      params: idParam,
      body: {
        type: 'object', additionalProperties: false, required: ['action', 'reason'],
        properties: { action: { type: 'string', enum: ['revoke', 'replace'] }, reason: { type: 'string', minLength: 3, maxLength: 1000 }, replacedBy: idParam.properties.id }
      },
      response: { 200: recordSchema }
    }
  }, async (request, reply) => {
    if (!services.archive) throw new AppError('SERVICE_UNAVAILABLE')
    const next = await services.archive.lifecycle.changeValidity(request.params.id, request.body, who(request))
    return sendView(reply, await records.view(next))
  })

  app.delete<{ Params: { id: string }, Body: { reason: string } }>('/api/v1/records/:id', {
    config: { permission: 'admin' },
    schema: {
      params: idParam,
      body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 3, maxLength: 1000 } } }
    }
  }, async (request) => {
    if (!services.archive) throw new AppError('SERVICE_UNAVAILABLE')
    const deleted = await services.archive.lifecycle.delete(request.params.id, request.body.reason, who(request))
    return { id: deleted.id, deleted: deleted.deleted }
  })

  // An admin's retry now, without waiting for the record steps' backoff: the sign, package and log steps in a row
  // (each a no-op once done, so meeting the runner on the same record repeats nothing).
  app.post<{ Params: { id: string } }>('/api/v1/records/:id/archive', {
    config: { permission: 'admin' },
    schema: { params: idParam, response: { 200: recordSchema } }
  }, async (request, reply) => {
    if (!services.archive?.archiver) throw new AppError('SERVICE_UNAVAILABLE')
    const next = await services.archive.archiver.archive(request.params.id)
    return sendView(reply, await records.view(next))
  })

  app.get('/api/v1/archive', {
    config: { permission: 'read' },
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            node: { type: 'string' },
            log: { type: 'object', properties: { seq: { type: 'integer' }, hash: { type: 'string' } } },
            certificate: {
              type: 'object',
              properties: {
                subjectName: { type: 'string' }, issuerName: { type: 'string' }, notBefore: { type: 'string' }, notAfter: { type: 'string' },
                fingerprintSha256: { type: 'string' }, selfSigned: { type: 'boolean' }, testCertificate: { type: 'boolean' }, agencyName: { type: 'string' }
              }
            }
          }
        }
      }
    }
  }, async () => {
    const archive = services.archive
    if (!archive) throw new AppError('SERVICE_UNAVAILABLE')
    const head = await archive.archiveLog.head()
    const id = archive.identity
    return {
      node: archive.archiveLog.peerId,
      log: head,
      ...(id ? { certificate: { ...id.certificate, notBefore: id.certificate.notBefore.toISOString(), notAfter: id.certificate.notAfter.toISOString(), testCertificate: id.testCertificate, agencyName: id.agencyName } } : {})
    }
  })

  app.post<{ Body: { sheets: SeparatorInfo[], language?: 'vi' | 'en' } }>('/api/v1/separators', {
    config: { permission: 'ingest' },
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['sheets'],
        properties: { sheets: { type: 'array', minItems: 1, maxItems: 500, items: sheetSchema }, language: { type: 'string', enum: ['vi', 'en'] } }
      }
    }
  }, async (request, reply) => {
    const unitName: Record<string, string> = {}
    for (const s of request.body.sheets) unitName[s.unit] ??= (await services.units.get(s.unit)).name
    const pdf = await renderSeparatorSheets(request.body.sheets, { unitName, language: request.body.language ?? 'vi' })
    return await reply.type('application/pdf').header('content-disposition', attachment('to-phan-cach.pdf', true)).send(Buffer.from(pdf))
  })
}
