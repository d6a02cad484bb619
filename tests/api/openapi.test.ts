// The OpenAPI document of the whole node's API: every /api/v1 route fastify knows is in it (checked against
// fastify's own route tree, not the collector), every operation is a real route, schemas are objects, references
// resolve, and the examples of the main routes validate against their own schemas.
import { Ajv } from 'ajv'
import t from 'tap'
import { loadConfig } from '../../appliance/src/config/index.js'
import { createLogger } from '../../appliance/src/log/index.js'
import { openNode } from '../../appliance/src/node.js'
import { tempDir } from '../helpers/tmp.js'

/** The routes in `printRoutes({ commonPrefix: false })`: a tree whose lines add a segment to their parent's path. */
function routesOf (tree: string): Array<{ method: string, path: string }> {
  const out: Array<{ method: string, path: string }> = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!m) continue
    const depth = m[1].length / 4
    stack.length = depth
    stack[depth] = (depth > 0 ? stack[depth - 1] : '') + m[2]
    for (const method of m[3]?.split(', ') ?? []) out.push({ method, path: stack[depth] })
  }
  return out
}

const isSchemaObject = (s: unknown): boolean => typeof s === 'object' && s !== null && !Array.isArray(s)

t.test('the OpenAPI document describes every /api/v1 route', async t => {
  const dataDir = await tempDir(t)
  const config = loadConfig({ env: {}, overrides: { dataDir, logLevel: 'silent' } })
  const node = await openNode(config, createLogger('silent'), 'offline')
  t.teardown(() => node.stop())
  const res = await node.api.inject({ method: 'GET', url: '/api/v1/openapi.json' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /application\/json/)
  const doc = res.json()

  t.equal(doc.openapi, '3.1.0')
  t.match(doc.info, { title: 'sohoa API', version: String })
  t.ok(doc.components.securitySchemes.bearer && doc.components.securitySchemes.session)

  const known = routesOf(node.api.printRoutes({ commonPrefix: false })).filter(r => r.path.startsWith('/api/v1/') && r.method !== 'HEAD' && r.method !== 'OPTIONS')
  t.ok(known.length >= 30, `fastify knows ${known.length} /api/v1 operations`)
  for (const r of known) {
    const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    t.ok(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${path} is documented`)
  }
  const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })))
  t.equal(operations.length, known.length, 'and nothing else')
  t.equal(new Set(operations.map(o => o.op.operationId)).size, operations.length, 'operation ids are unique')

  const refs: string[] = []
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk)
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === '$ref' ? refs.push(x as string) : walk(x)
  }
  const ajv = new Ajv({ strict: false, allErrors: true })
  for (const { path, method, op } of operations) {
    const where = `${method.toUpperCase()} ${path}`
    t.ok(node.api.hasRoute({ method: method.toUpperCase() as any, url: path.replace(/\{([^}]+)\}/g, ':$1') }), `${where} is a real route`)
    t.ok(Object.keys(op.responses).some(s => s.startsWith('2')), `${where} has a success answer`)
    t.ok(Array.isArray(op.security), `${where} states its security`)
    const declared = (op.parameters as any[]).filter(p => p.in === 'path').map(p => p.name).sort()
    t.same(declared, [...path.matchAll(/\{([^}]+)\}/g)].map(m => m[1]).sort(), `${where} declares its path parameters`)
    for (const p of op.parameters) t.ok(isSchemaObject(p.schema), `${where} parameter ${p.name}: schema is an object`)
    for (const content of [op.requestBody?.content, ...Object.values(op.responses).map((r: any) => r.content)]) {
      for (const [type, media] of Object.entries((content ?? {}) as Record<string, any>)) {
        t.ok(isSchemaObject(media.schema), `${where} ${type}: schema is an object`)
        if (media.example !== undefined && type === 'application/json') {
          const validate = ajv.compile(media.schema)
          t.ok(validate(media.example), `${where}: the example fits its schema ${JSON.stringify(validate.errors ?? [])}`)
        }
      }
    }
    walk(op)
  }
  for (const ref of new Set(refs)) {
    const target = ref.replace(/^#\//, '').split('/').reduce((o: any, k) => o?.[k], doc)
    t.ok(target, `${ref} resolves`)
  }

  // The main routes carry examples, public routes say so, permissions are stated.
  t.ok(doc.paths['/api/v1/pages'].post.responses['201'].content['application/json'].example, 'POST /pages has an example answer')
  t.ok(doc.paths['/api/v1/pages'].post.requestBody.content['image/jpeg'], 'and takes a JPEG body')
  t.ok(doc.paths['/api/v1/reports/progress'].get.responses['200'].content['application/json'].example)
  t.ok(doc.paths['/api/v1/inventory/files'].post.requestBody.content['application/json'].example)
  t.same(doc.paths['/api/v1/openapi.json'].get.security, [], 'the document itself is public')
  t.equal(doc.paths['/api/v1/units'].post['x-permission'], 'admin')
  t.ok(doc.paths['/api/v1/reports/progress.xlsx'].get.responses['200'].content['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'])
  t.match(doc.paths['/api/v1/records/{id}'].get.parameters, [{ name: 'id', in: 'path', required: true, schema: { pattern: String } }], 'parameter schemas come from the route')
})
