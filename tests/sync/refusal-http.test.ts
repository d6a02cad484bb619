// Sync never imports the appliance, so it throws its own SyncRefusal; the API's one error handler must still
// answer with the catalogue's entry for that code (status, Vietnamese and English message).
import Fastify from 'fastify'
import t from 'tap'
import { installErrorHandler } from '../../appliance/src/api/errors.js'
import { CATALOGUE } from '../../appliance/src/errors/index.js'
import { SyncRefusal, type SyncRefusalCode } from '../../sync/src/index.js'

const CODES: SyncRefusalCode[] = ['SYNC_ROLE', 'SYNC_NOT_CONFIGURED', 'RESTORE_RUNNING']

t.test('a SyncRefusal is answered as the catalogue entry of its code', async t => {
  const app = Fastify()
  installErrorHandler(app)
  app.get<{ Params: { code: SyncRefusalCode } }>('/refuse/:code', async (request) => {
    throw new SyncRefusal(request.params.code, request.params.code === 'SYNC_ROLE' ? { needs: 'district' } : undefined)
  })
  t.teardown(() => app.close())
  for (const code of CODES) {
    const res = await app.inject({ method: 'GET', url: `/refuse/${code}` })
    t.equal(res.statusCode, CATALOGUE[code].status, `${code}: status`)
    const body = res.json()
    t.equal(body.error, code)
    t.equal(body.message, CATALOGUE[code].vi)
    t.equal(body.messageEn, CATALOGUE[code].en)
    if (code === 'SYNC_ROLE') t.same(body.details, { needs: 'district' })
    // Sync's own message says the same thing, Vietnamese first.
    t.ok(new SyncRefusal(code).message.startsWith(CATALOGUE[code].vi), `${code}: sync's message matches the catalogue`)
  }
})
