// Every API route needs a session or a token with the right permission; health and metrics are open.
import t from 'tap'
import { createToken, startAppliance } from '../helpers/appliance.js'
import { tempDir } from '../helpers/tmp.js'

t.test('tokens, scopes, revocation, sessions and CSRF', async t => {
  const app = await startAppliance({ dataDir: await tempDir(t) })
  t.teardown(() => app.stop())
  const get = async (path: string, headers: Record<string, string> = {}) => await fetch(`${app.url}${path}`, { headers })
  const postPage = async (headers: Record<string, string>) => await fetch(`${app.url}/api/v1/pages?unit=622`, { method: 'POST', headers: { 'content-type': 'image/jpeg', ...headers }, body: Buffer.from([0xff, 0xd8]) })

  t.equal((await get('/healthz')).status, 200, 'health is open')
  t.equal((await get('/metrics')).status, 200, 'metrics are open')
  for (const path of ['/api/v1/search?q=an', '/api/v1/records', '/api/v1/units', '/api/v1/tokens', '/api/v1/users']) {
    const res = await get(path)
    t.equal(res.status, 401, `${path} without credentials: 401`)
    t.match(await res.json(), { error: 'UNAUTHENTICATED', message: /đăng nhập/ })
  }
  t.equal((await postPage({})).status, 401, 'no token: 401')
  t.equal((await postPage({ authorization: 'Bearer sohoa_not-a-real-token' })).status, 401, 'unknown token: 401')

  const read = await createToken(app.url, 'read')
  const ingest = await createToken(app.url, 'ingest')
  const wrongScope = await postPage({ authorization: `Bearer ${read.secret}` })
  t.equal(wrongScope.status, 403, 'read token posting pages: 403')
  t.match(await wrongScope.json(), { error: 'FORBIDDEN', details: { needs: 'ingest' } })
  t.equal((await get('/api/v1/records', { authorization: `Bearer ${ingest.secret}` })).status, 403, 'ingest token reading: 403')
  t.equal((await get('/api/v1/tokens', { authorization: `Bearer ${read.secret}` })).status, 403, 'read token listing tokens: 403')
  t.equal((await get('/api/v1/records', { authorization: `Bearer ${read.secret}` })).status, 200)

  const admin = await createToken(app.url, 'admin')
  const revoke = await fetch(`${app.url}/api/v1/tokens/${read.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin.secret}` } })
  t.equal(revoke.status, 200)
  t.equal((await get('/api/v1/records', { authorization: `Bearer ${read.secret}` })).status, 401, 'revoked token: 401')

  // People: an operator may scan and read, not manage users; cookie sessions must echo the CSRF token.
  const addUser = await fetch(`${app.url}/api/v1/users`, {
    method: 'POST', headers: { authorization: `Bearer ${admin.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'vanhanh', password: 'mat-khau-van-hanh', roles: ['operator'], displayName: 'Cán bộ số hóa' })
  })
  t.equal(addUser.status, 201)
  const wrong = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'vanhanh', password: 'sai-mat-khau' }) })
  t.equal(wrong.status, 401)
  t.match(await wrong.json(), { error: 'LOGIN_FAILED', message: 'Sai tên đăng nhập hoặc mật khẩu' })
  const login = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'vanhanh', password: 'mat-khau-van-hanh' }) })
  t.equal(login.status, 200)
  const setCookie = login.headers.get('set-cookie')!
  t.match(setCookie, /HttpOnly/i)
  t.match(setCookie, /SameSite=Strict/i)
  const cookie = setCookie.split(';')[0]
  const { csrfToken } = await login.json() as any
  t.equal((await get('/api/v1/records', { cookie })).status, 200, 'operator reads')
  t.equal((await get('/api/v1/users', { cookie })).status, 403, 'operator cannot reach user management')
  const noCsrf = await fetch(`${app.url}/api/v1/batches`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ unit: '622' }) })
  t.equal(noCsrf.status, 403, 'state change without the CSRF token: 403')
  t.match(await noCsrf.json(), { error: 'CSRF' })
  const withCsrf = await fetch(`${app.url}/api/v1/batches`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ unit: '622' }) })
  t.equal(withCsrf.status, 201, 'with the CSRF token: allowed')
  const logout = await fetch(`${app.url}/api/v1/session`, { method: 'DELETE', headers: { cookie } })
  t.equal(logout.status, 204)
  t.equal((await get('/api/v1/records', { cookie })).status, 401, 'after logout the cookie is worthless')
  // Password guessing: after 10 failures (the sign-in above cleared the first) this address may not try that name again for a while.
  const signIn = async (username: string, password: string): Promise<Response> =>
    await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  for (let i = 0; i < 10; i++) t.equal((await signIn('vanhanh', `doan-${i}`)).status, 401)
  const locked = await signIn('VanHanh', 'mat-khau-van-hanh')
  t.equal(locked.status, 429, 'the right password too is refused while locked')
  t.ok(Number(locked.headers.get('retry-after')) > 0, 'with Retry-After')
  t.match(await locked.json(), { error: 'RATE_LIMITED', message: /thử lại sau/ })
  t.equal((await signIn('admin', 'mat-khau-quan-tri')).status, 200, 'another user from the same address is not locked out')
  t.notOk(app.logs.some(l => l.includes(admin.secret) || l.includes('mat-khau-van-hanh')), 'no secret in the logs')
})
