import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import { fileInputProperties, NUMBER, type InventoryFilePatch, type NewBox, type NewInventoryFile } from '../../inventory/index.js'
import { renderSeparatorSheets, type SheetLanguage } from '../../separator/index.js'
import { INVENTORY_FILE_STATUSES, type InventoryFileStatus } from '../../store/index.js'
import { UNIT_CODE } from '../../units/index.js'
import type { Services } from '../types.js'

export const boxSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, unit: { type: 'string' }, number: { type: 'string' }, label: { type: ['string', 'null'] }, location: { type: ['string', 'null'] }, createdAt: { type: 'string' }, updatedAt: { type: 'string' } }
} as const

export const fileSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, unit: { type: 'string' }, boxId: { type: 'string' }, box: { type: 'string' }, number: { type: 'string' }, title: { type: 'string' },
    resultTypeCode: { type: ['string', 'null'] }, resultTypeName: { type: ['string', 'null'] }, procedureCode: { type: ['string', 'null'] }, dossierCode: { type: ['string', 'null'] },
    yearFrom: { type: 'integer' }, yearTo: { type: 'integer' }, retention: { type: 'string' }, countedPages: { type: 'integer' },
    status: { type: 'string', enum: [...INVENTORY_FILE_STATUSES] }, records: { type: 'integer' }, receivedPages: { type: 'integer' }, archivedPages: { type: 'integer' },
    createdAt: { type: 'string' }, updatedAt: { type: 'string' }
  }
} as const

const fileViewSchema = {
  type: 'object',
  properties: {
    ...fileSchema.properties,
    links: { type: 'array', items: { type: 'object', properties: { recordId: { type: 'string' }, status: { type: 'string' }, pageCount: { type: 'integer' }, at: { type: 'string' } } } }
  }
} as const

const discrepancySchema = {
  type: 'object',
  properties: {
    fileId: { type: 'string' }, unit: { type: 'string' }, box: { type: 'string' }, number: { type: 'string' }, title: { type: 'string' }, dossierCode: { type: ['string', 'null'] },
    status: { type: 'string' }, countedPages: { type: 'integer' }, receivedPages: { type: 'integer' }, archivedPages: { type: 'integer' }, difference: { type: 'integer' }
  }
} as const

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^if_[0-9a-z]{23}$' } } } as const
const language = { enum: ['vi', 'en'], default: 'vi' } as const
/** One print job; a box rarely holds more than a few dozen files. */
const MAX_SHEETS = 500
const unitQuery = { type: 'string', pattern: UNIT_CODE } as const

export default async function inventoryRoutes (app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { inventory } = services

  app.post<{ Body: NewBox }>('/api/v1/inventory/boxes', {
    config: { permission: 'ingest' },
    schema: {
      summary: 'Register a box (hộp) of paper holdings',
      body: {
        type: 'object', additionalProperties: false, required: ['unit', 'number'],
        properties: { unit: unitQuery, number: { type: 'string', pattern: NUMBER }, label: { type: ['string', 'null'], maxLength: 200 }, location: { type: ['string', 'null'], maxLength: 200 } }
      },
      response: { 201: boxSchema }
    }
  }, async (request, reply) => await reply.code(201).send(await inventory.addBox(request.body)))

  app.get<{ Querystring: { unit?: string } }>('/api/v1/inventory/boxes', {
    config: { permission: 'read' },
    schema: { summary: 'Boxes of the inventory', querystring: { type: 'object', additionalProperties: false, properties: { unit: unitQuery } }, response: { 200: { type: 'array', items: boxSchema } } }
  }, async (request) => await inventory.listBoxes(request.query))

  app.post<{ Body: NewInventoryFile }>('/api/v1/inventory/files', {
    config: { permission: 'ingest' },
    schema: {
      summary: 'Register a counted file (hồ sơ); its box is registered with it when new',
      body: {
        type: 'object', additionalProperties: false,
        required: ['unit', 'box', 'number', 'title', 'yearFrom', 'yearTo', 'retention', 'countedPages'],
        properties: { unit: unitQuery, ...fileInputProperties }
      },
      response: { 201: fileSchema }
    }
  }, async (request, reply) => await reply.code(201).send(await inventory.addFile(request.body)))

  app.get<{ Querystring: { unit?: string, box?: string, status?: InventoryFileStatus } }>('/api/v1/inventory/files', {
    config: { permission: 'read' },
    schema: {
      summary: 'Files of the inventory with their status and page counts',
      querystring: { type: 'object', additionalProperties: false, properties: { unit: unitQuery, box: { type: 'string', pattern: NUMBER }, status: { enum: [...INVENTORY_FILE_STATUSES] } } },
      response: { 200: { type: 'array', items: fileSchema } }
    }
  }, async (request) => await inventory.listFiles(request.query))

  app.get<{ Params: { id: string } }>('/api/v1/inventory/files/:id', {
    config: { permission: 'read' },
    schema: { summary: 'A file with the records filed under it', params: idParam, response: { 200: fileViewSchema } }
  }, async (request) => await inventory.fileView(request.params.id))

  app.get<{ Params: { id: string }, Querystring: { lang: SheetLanguage } }>('/api/v1/inventory/files/:id/separator.pdf', {
    config: { permission: 'read' },
    schema: { summary: 'The separator cover sheet of a file (A4 PDF), so its scanned stack lands on it', params: idParam, querystring: { type: 'object', additionalProperties: false, properties: { lang: language } } }
  }, async (request, reply) => {
    const sheet = await inventory.sheet(request.params.id)
    const pdf = await renderSeparatorSheets([sheet], { unitName: (await services.units.get(sheet.unit)).name, language: request.query.lang })
    return await reply.type('application/pdf').header('content-disposition', `inline; filename="to-phan-cach-${sheet.unit}-${sheet.box}-${sheet.file}.pdf"`.replace(/\//g, '_')).send(Buffer.from(pdf))
  })

  app.get<{ Querystring: { unit: string, box?: string, status?: InventoryFileStatus, lang: SheetLanguage } }>('/api/v1/inventory/separators.pdf', {
    config: { permission: 'read' },
    schema: {
      summary: 'Separator cover sheets of a unit\'s files (a box, or files in one status), in box and file order, one per page',
      querystring: {
        type: 'object', additionalProperties: false, required: ['unit'],
        properties: { unit: unitQuery, box: { type: 'string', pattern: NUMBER }, status: { enum: [...INVENTORY_FILE_STATUSES] }, lang: language }
      }
    }
  }, async (request, reply) => {
    const { unit, box, status, lang } = request.query
    const files = await inventory.listFiles({ unit, box, status })
    if (files.length === 0) throw new AppError('INVENTORY_NOT_FOUND', { unit, box, status })
    if (files.length > MAX_SHEETS) throw new AppError('VALIDATION', { problems: [`${files.length} files: print at most ${MAX_SHEETS} sheets at once (choose a box)`] })
    const sheets = await Promise.all(files.map(async f => await inventory.sheet(f.id)))
    const pdf = await renderSeparatorSheets(sheets, { unitName: (await services.units.get(unit)).name, language: lang })
    return await reply.type('application/pdf').header('content-disposition', `inline; filename="to-phan-cach-${unit}${box !== undefined ? `-${box.replace(/\//g, '_')}` : ''}.pdf"`).send(Buffer.from(pdf))
  })

  app.patch<{ Params: { id: string }, Body: InventoryFilePatch }>('/api/v1/inventory/files/:id', {
    config: { permission: 'ingest' },
    schema: {
      summary: 'Correct a counted file (a recount, a code found later)',
      params: idParam,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: fileInputProperties },
      response: { 200: fileSchema }
    }
  }, async (request) => await inventory.updateFile(request.params.id, request.body))

  app.get<{ Querystring: { unit?: string, all?: boolean } }>('/api/v1/inventory/discrepancies', {
    config: { permission: 'read' },
    schema: {
      summary: 'Files whose archived pages differ from the counted pages (all=true: also files in work, by received pages)',
      querystring: { type: 'object', additionalProperties: false, properties: { unit: unitQuery, all: { type: 'boolean', default: false } } },
      response: { 200: { type: 'array', items: discrepancySchema } }
    }
  }, async (request) => await inventory.discrepancies(request.query))

  app.get<{ Querystring: { unit?: string } }>('/api/v1/inventory/summary', {
    config: { permission: 'read' },
    schema: {
      summary: 'Per unit: boxes, files by status, counted, received and archived pages',
      querystring: { type: 'object', additionalProperties: false, properties: { unit: unitQuery } },
      response: {
        200: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              unit: { type: 'string' }, boxes: { type: 'integer' }, files: { type: 'integer' },
              byStatus: { type: 'object', properties: Object.fromEntries(INVENTORY_FILE_STATUSES.map(s => [s, { type: 'integer' }])) },
              countedPages: { type: 'integer' }, receivedPages: { type: 'integer' }, archivedPages: { type: 'integer' }
            }
          }
        }
      }
    }
  }, async (request) => await inventory.summary(request.query.unit !== undefined ? { units: [request.query.unit] } : {}))

  app.post('/api/v1/inventory/reconcile', {
    config: { permission: 'admin' },
    schema: { summary: 'Replay every record into the inventory (after a crash, or when files were registered after their records)', response: { 200: { type: 'object', properties: { records: { type: 'integer' }, filed: { type: 'integer' } } } } }
  }, async () => await inventory.reconcile())
}
