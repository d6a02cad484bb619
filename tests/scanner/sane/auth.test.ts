/**
 * saned's AUTHORIZE exchange with a saned.users entry protecting the test backend: the salted MD5 answer
 * is accepted for the right password and refused for a wrong one or none, and unprotected backends never ask.
 */
import t from 'tap'
import type { AuthRequest } from '../../../appliance/src/scanner/sane/index.js'
import { scramblePassword } from '../../../appliance/src/scanner/sane/index.js'
import { authorizeFields } from '../../../appliance/src/scanner/sane/auth.js'
import { appError, client, saned } from './setup.js'

const USER = { username: 'sohoa', password: 'matkhau-bi-mat', backend: 'test' }

t.test('password scrambling', async t => {
  // md5("3f2a6b9c1e8d0" + "matkhau-bi-mat"), computed with md5sum.
  t.same(scramblePassword('test$MD5$3f2a6b9c1e8d0', 'matkhau-bi-mat'),
    { password: '$MD5$754046a0b1651a33d5d0fcbbc0a6fd26', plain: false })
  t.same(scramblePassword('test', 'secret'), { password: 'secret', plain: true })
  const request: AuthRequest = { host: 'h', port: 1, resource: 'test', backend: 'test' }
  t.same(await authorizeFields({ username: 'u', password: 'p' }, request, false),
    { username: '', password: '', problem: 'plain-text-refused' }, 'no salt: the password is not sent in clear unless allowed')
  t.same(await authorizeFields({ username: 'u', password: 'p' }, request, true), { username: 'u', password: 'p' })
  t.same(await authorizeFields(undefined, request, true), { username: '', password: '', problem: 'no-credentials' })
  t.same(await authorizeFields({ username: 'u'.repeat(128), password: 'p' }, request, true),
    { username: '', password: '', problem: 'credentials-too-long' }, 'saned copies into 128-byte buffers')
  t.same(await authorizeFields(() => { throw new Error('vault down') }, request, true),
    { username: '', password: '', problem: 'no-credentials' }, 'a failing callback is no credentials')
  t.same(await authorizeFields(async () => await new Promise(() => {}), request, true, 50),
    { username: '', password: '', problem: 'no-credentials' }, 'a callback that never answers is no credentials')
})

t.test('AUTHORIZE against a real saned with saned.users', async t => {
  const server = await saned(t, { users: [USER] })

  t.test('the right password opens the protected device, via a callback that sees the resource', async t => {
    const requests: AuthRequest[] = []
    const c = await client(t, server, {
      auth: async request => { requests.push(request); return { username: USER.username, password: USER.password } }
    })
    const dev = await c.open('test:0')
    t.equal(requests.length, 1)
    t.equal(requests[0].backend, 'test')
    t.match(requests[0].resource, /^test\$MD5\$\S+$/)
    t.same([requests[0].host, requests[0].port], [server.host, server.port])
    t.equal((await dev.scanPage({ endBatch: true })).height, 196, 'and scans')

    const pnm = await c.open('pnm:0')
    t.equal(requests.length, 1, 'an unprotected backend does not ask')
    await pnm.close()
  })

  t.test('fixed credentials work too', async t => {
    const c = await client(t, server, { auth: { username: USER.username, password: USER.password } })
    t.ok(await c.open('test:1'))
  })

  t.test('a wrong password, a wrong user or no credentials: SANE_ACCESS_DENIED', async t => {
    const wrong = await client(t, server, { auth: { username: USER.username, password: 'sai-mat-khau' } })
    const err = await appError(t, async () => await wrong.open('test:0'))
    t.same([err.code, err.details?.status, err.details?.device], ['SANE_ACCESS_DENIED', 'ACCESS_DENIED', 'test:0'])
    t.same((await wrong.listDevices()).length, 4, 'the connection stays usable after a refusal')

    const stranger = await client(t, server, { auth: { username: 'khach', password: USER.password } })
    t.equal((await appError(t, async () => await stranger.open('test:0'))).code, 'SANE_ACCESS_DENIED')

    const none = await client(t, server)
    const denied = await appError(t, async () => await none.open('test:0'))
    t.same([denied.code, denied.details?.authProblem], ['SANE_ACCESS_DENIED', 'no-credentials'])
    t.ok(await none.open('pnm:0'), 'unprotected devices still open')
  })
})
