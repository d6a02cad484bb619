/**
 * The OpenAPI 3.1 document of `/api/v1`, generated from the routes themselves: an `onRoute` hook collects every
 * route's method, URL, JSON schemas and permission as it is registered, and the document is built from them on the
 * first request. OpenAPI 3.1 schemas are JSON Schema, so fastify's schemas go in unchanged. What a schema cannot
 * say (binary bodies, other media types) and the examples of the main routes are added from the tables below.
 */
import type { FastifyInstance, RouteOptions } from 'fastify'
import { FIELD_NAMES } from '../extract/index.js'
import { RECORD_STATUSES, VALIDITY_STATES } from '../store/index.js'

export interface CollectedRoute {
  method: string
  /** The fastify URL, `:param` style. */
  url: string
  schema: Record<string, any>
  permission: string | null
}

type Json = Record<string, any>

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document (what @fastify/swagger would read too). */
    summary?: string
    description?: string
  }
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
const JSON_TYPE = 'application/json'

/** Starts collecting: call before the routes are registered (hooks apply to routes registered after them). */
export function collectRoutes (app: FastifyInstance): CollectedRoute[] {
  const routes: CollectedRoute[] = []
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/v1/')) return
    for (const method of [route.method].flat()) {
      if (!METHODS.has(method)) continue
      routes.push({ method, url: route.url, schema: (route.schema ?? {}) as Json, permission: (route.config as Json | undefined)?.permission ?? null })
    }
  })
  return routes
}

export const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'message', 'messageEn'],
  properties: {
    error: { type: 'string', description: 'stable code from appliance/src/errors/index.ts' },
    message: { type: 'string', description: 'Vietnamese' },
    messageEn: { type: 'string' },
    details: { type: 'object' }
  },
  example: { error: 'UNKNOWN_UNIT', message: 'Không tìm thấy đơn vị với mã này', messageEn: 'No unit has this code', details: { unit: '999' } }
}

/**
 * The lists of values clients name (in filters, in select boxes), each from the module that owns it. `x-const-name`
 * is the name of the list in the code: the web admin's generated `api/enums.ts` exports it under that name.
 */
const ENUMS: Record<string, Json> = {
  RecordStatus: { type: 'string', enum: [...RECORD_STATUSES], 'x-const-name': 'RECORD_STATUSES', description: 'A record\'s status: draft (to review), approved, archived (signed)' },
  Validity: { type: 'string', enum: [...VALIDITY_STATES], 'x-const-name': 'VALIDITY_STATES', description: 'The legal validity of a record\'s result' },
  FieldName: { type: 'string', enum: [...FIELD_NAMES], 'x-const-name': 'FIELD_NAMES', description: 'The fields extraction reads from a result, in the order they are shown' }
}

const binary = (types: string[]): Json => Object.fromEntries(types.map(t => [t, { schema: { type: 'string', format: 'binary' } }]))

/** Bodies and answers that are not JSON. */
const MEDIA: Record<string, { request?: Json, response?: { status: string, content: Json } }> = {
  'POST /api/v1/pages': { request: binary(['image/jpeg', 'image/png', 'image/tiff', 'application/pdf', 'application/octet-stream']) },
  'GET /api/v1/records/{id}/pages/{n}': { response: { status: '200', content: binary(['image/jpeg', 'image/png', 'image/tiff']) } },
  'GET /api/v1/batches/{id}/events': { response: { status: '200', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
  'GET /api/v1/reports/progress.xlsx': { response: { status: '200', content: binary(['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']) } },
  'GET /api/v1/records/{id}/pages/{n}/preview': { response: { status: '200', content: binary(['image/jpeg']) } },
  'GET /api/v1/integration/files/{recordId}/{filename}': { response: { status: '200', content: binary(['application/pdf']) } },
  'GET /api/v1/records/{id}/document.pdf': { response: { status: '200', content: binary(['application/pdf']) } },
  'GET /api/v1/records/{id}/package.zip': { response: { status: '200', content: binary(['application/zip']) } },
  'POST /api/v1/separators': { response: { status: '200', content: binary(['application/pdf']) } },
  'GET /api/v1/inventory/files/{id}/separator.pdf': { response: { status: '200', content: binary(['application/pdf']) } },
  'GET /api/v1/inventory/separators.pdf': { response: { status: '200', content: binary(['application/pdf']) } },
  'GET /api/v1/reports/progress.csv': { response: { status: '200', content: { 'text/csv': { schema: { type: 'string' }, example: '\uFEFFMã đơn vị,Tên đơn vị,Cấp,…\r\n622,Thành phố Pleiku,Cấp huyện,…\r\n' } } } }
}

const progressRow = { received: 1200, recognized: 1180, archived: 950, target: 101126, targetEstimated: true, percent: 0.9, counted: 1000, countedArchived: 950, percentOfCounted: 95, costVnd: 3590050, rateReceived: 40, rateArchived: 31.67, forecast: '2035-03-14' }

/** Examples of the main routes: `request` is the JSON body, `response` the answer `status` (default: the first 2xx). */
const EXAMPLES: Record<string, { request?: unknown, response?: unknown, status?: string }> = {
  'POST /api/v1/session': { request: { username: 'lan', password: 'mật-khẩu-của-lan' }, response: { user: { username: 'lan', displayName: 'Nguyễn Thị Lan', roles: ['operator'] }, csrfToken: 'q1W…' } },
  'POST /api/v1/tokens': { request: { name: 'Máy photo tầng 2', scope: 'ingest' }, response: { token: { id: 't_01jd…', name: 'Máy photo tầng 2', scope: 'ingest', createdAt: '2026-11-28T08:00:00.000Z', createdBy: 'admin' }, secret: 'sohoa_…' } },
  'POST /api/v1/pages': { status: '201', response: { batchId: 'b_01jd2k8m6x0000000000000', recordId: 'r_01jd2k8m6y0000000000000', pages: [{ id: 'p_01jd2k8m6z0000000000000', sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }], duplicate: false } },
  'POST /api/v1/batches': { request: { unit: '622' } },
  'GET /api/v1/search': { response: { total: 1, results: [{ recordId: 'r_01jd2k8m6y0000000000000', score: 7.42, snippet: '… GIẤY PHÉP <mark>XÂY DỰNG</mark> số 1470/GPXD-UBND …' }] } },
  'GET /api/v1/units': { response: [{ code: '622', name: 'Thành phố Pleiku', level: 'district', parent: '64', agencyCode: null, createdAt: '2026-11-28T08:00:00.000Z' }] },
  'POST /api/v1/units': { request: { code: '23584', name: 'Xã Ia Dêr', level: 'commune', parent: '628' } },
  'PATCH /api/v1/units/{code}': { request: { name: 'Phường Ia Kring', effective: '2025-07-01' } },
  'POST /api/v1/units/{code}/merge': { request: { into: '23584', effective: '2025-07-01' } },
  'GET /api/v1/units/{code}/covering': { response: { code: '23584', covering: ['23584', '23587', '23590'] } },
  'PUT /api/v1/targets/{unit}/{year}': { request: { pages: 120000, source: 'Quyết định giao chỉ tiêu 2024' } },
  'POST /api/v1/inventory/files': {
    request: { unit: '622', box: '12', number: '3', title: 'Giấy phép xây dựng năm 2016', resultTypeCode: 'KQ.G15.000031', resultTypeName: 'Giấy phép xây dựng', procedureCode: '1.009972', dossierCode: null, yearFrom: 2016, yearTo: 2016, retention: 'permanent', countedPages: 40 }
  },
  'GET /api/v1/inventory/discrepancies': { response: [{ fileId: 'if_01jd2k8m6z0000000000000', unit: '622', box: '12', number: '3', title: 'Giấy phép xây dựng năm 2016', dossierCode: null, status: 'archived', countedPages: 40, receivedPages: 37, archivedPages: 37, difference: -3 }] },
  'GET /api/v1/reports/progress': {
    response: {
      year: 2023, unit: null, generatedAt: '2026-11-28T08:00:00.000Z', unitPriceVnd: 3779,
      rows: [{ code: '622', name: 'Thành phố Pleiku', level: 'district', parent: '64', mergedInto: null, includes: [], inTotal: true, ...progressRow }],
      byLevel: [{ level: 'district', units: 1, ...progressRow }],
      totals: progressRow
    }
  }
}

function parameters (route: CollectedRoute, path: string): Json[] {
  const out: Json[] = []
  const params = route.schema.params as Json | undefined
  for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map(m => m[1])) {
    out.push({ name, in: 'path', required: true, schema: params?.properties?.[name] ?? { type: 'string' } })
  }
  for (const [where, schema] of [['query', route.schema.querystring], ['header', route.schema.headers]] as const) {
    const required = new Set<string>((schema as Json | undefined)?.required ?? [])
    for (const [name, s] of Object.entries((schema as Json | undefined)?.properties ?? {})) {
      const { description, ...rest } = s as Json
      out.push({ name, in: where, required: required.has(name), schema: rest, ...(description ? { description } : {}) })
    }
  }
  return out
}

function responses (route: CollectedRoute, key: string): Json {
  const out: Json = {}
  const example = EXAMPLES[key]
  const statuses = Object.keys((route.schema.response ?? {}) as Json)
  const exampleStatus = example?.status ?? statuses.find(s => s.startsWith('2'))
  for (const status of statuses) {
    const schema = (route.schema.response as Json)[status]
    const withExample = status === exampleStatus && example?.response !== undefined ? { example: example.response } : {}
    out[status] = { description: status.startsWith('2') ? 'OK' : 'answer', content: { [JSON_TYPE]: { schema, ...withExample } } }
  }
  const media = MEDIA[key]?.response
  if (media) out[media.status] = { description: 'OK', content: media.content }
  if (Object.keys(out).length === 0) out[route.method === 'DELETE' ? '204' : '200'] = { description: 'OK' }
  if (route.schema.body || route.schema.querystring || route.schema.params) out['400'] = { $ref: '#/components/responses/Error' }
  if (route.permission) {
    out['401'] = { $ref: '#/components/responses/Error' }
    out['403'] = { $ref: '#/components/responses/Error' }
  }
  out.default = { $ref: '#/components/responses/Error' }
  return out
}

function operation (route: CollectedRoute, path: string): Json {
  const key = `${route.method} ${path}`
  const segment = path.split('/')[3] ?? 'api'
  const op: Json = {
    operationId: `${route.method.toLowerCase()}${path.replace(/\{([^}]+)\}/g, 'By_$1').split(/[^A-Za-z0-9]+/).filter(Boolean).slice(2).map(s => s[0].toUpperCase() + s.slice(1)).join('')}`,
    tags: [segment.replace(/\..*$/, '')],
    ...(route.schema.summary ? { summary: route.schema.summary } : {}),
    description: [route.schema.description, route.permission ? `Needs the \`${route.permission}\` permission.` : 'Public: no credentials needed.'].filter(Boolean).join('\n\n'),
    'x-permission': route.permission,
    security: route.permission ? [{ bearer: [] }, { session: [] }] : [],
    parameters: parameters(route, path),
    responses: responses(route, key)
  }
  const body = route.schema.body as Json | undefined
  const media = MEDIA[key]?.request
  if (body || media) {
    const example = EXAMPLES[key]?.request
    op.requestBody = { required: true, content: media ?? { [JSON_TYPE]: { schema: body, ...(example !== undefined ? { example } : {}) } } }
  }
  return op
}

export function buildOpenApi (routes: readonly CollectedRoute[], info: { version: string }): Json {
  const paths: Json = {}
  for (const route of [...routes].sort((a, b) => a.url.localeCompare(b.url))) {
    const path = openApiPath(route.url)
    paths[path] ??= {}
    paths[path][route.method.toLowerCase()] = operation(route, path)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'sohoa API',
      version: info.version,
      description: 'Số hóa kết quả giải quyết TTHC: the HTTP API of one appliance. Errors are `{error, message (tiếng Việt), messageEn, details?}`; a cookie session must echo its `csrfToken` in `X-CSRF-Token` on every state-changing request.'
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA, ...ENUMS },
      responses: { Error: { description: 'An error from the catalogue', content: { [JSON_TYPE]: { schema: { $ref: '#/components/schemas/Error' } } } } },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A machine token (`sohoa token create`), scopes ingest, read, admin' },
        session: { type: 'apiKey', in: 'cookie', name: 'sohoa_session', description: 'A person\'s session from `POST /api/v1/session`' }
      }
    }
  }
}
