import t from 'tap'
import { Auth, LoginThrottle, permissionsOfRoles } from '../../appliance/src/auth/index.js'
import { Store } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

async function setup (t: any, idleMinutes = 30) {
  const store = await Store.open(await tempDir(t))
  t.teardown(() => store.close())
  return { store, auth: new Auth(store, { sessionIdleMinutes: idleMinutes }) }
}

t.test('first admin: configured password, or one generated and returned once', async t => {
  const { auth, store } = await setup(t)
  const first = await auth.ensureAdmin()
  t.ok(first.created)
  t.match(first.generatedPassword, /^[A-Za-z0-9]{20}$/)
  t.same(await auth.ensureAdmin(), { created: false }, 'never twice')
  const stored = await store.getUser('admin')
  t.match(stored!.passwordHash, /^scrypt\$/)
  t.notMatch(stored!.passwordHash, first.generatedPassword!)
  const { user } = await auth.login('admin', first.generatedPassword!)
  t.same(user.roles, ['admin'])
})

t.test('login: wrong password and unknown user fail the same way; sessions expire when idle', async t => {
  const { auth, store } = await setup(t, 1)
  await auth.ensureAdmin('mat-khau-dai')
  await t.rejects(auth.login('admin', 'sai'), { code: 'LOGIN_FAILED' })
  await t.rejects(auth.login('nobody', 'sai'), { code: 'LOGIN_FAILED' })
  const { cookie, csrfToken } = await auth.login('ADMIN', 'mat-khau-dai')
  const principal = await auth.fromSession(cookie)
  t.equal(principal?.id, 'admin')
  t.equal(principal?.csrfToken, csrfToken)
  t.equal(await auth.fromSession('forged'), null)
  // Age the session past its idle limit.
  for await (const s of store.listSessions()) await store.tx().putSession({ ...s, lastSeen: Date.now() - 2 * 60_000 }).commit()
  t.equal(await auth.fromSession(cookie), null, 'idle session expired')
  await auth.logout(cookie)
})

t.test('tokens: secret shown once, only its hash stored, revocation works', async t => {
  const { auth, store } = await setup(t)
  const { token, secret } = await auth.createToken({ name: 'máy photocopy tầng 2', scope: 'ingest', createdBy: 'admin' })
  t.match(secret, /^sohoa_/)
  for await (const stored of store.listTokens()) t.notOk(JSON.stringify(stored).includes(secret.slice(6)), 'secret not stored')
  const p = await auth.fromToken(secret)
  t.same([...p!.permissions], ['ingest'])
  t.equal(await auth.fromToken(secret + 'x'), null)
  await auth.revokeToken(token.id)
  t.equal(await auth.fromToken(secret), null)
  await t.rejects(auth.revokeToken('t_nope'), { code: 'TOKEN_NOT_FOUND' })
})

t.test('users: validation and roles', async t => {
  const { auth } = await setup(t)
  await t.rejects(auth.addUser({ username: 'a', password: 'dai-du-tam', roles: ['operator'] }), { code: 'VALIDATION' })
  await t.rejects(auth.addUser({ username: 'op1', password: 'ngan', roles: ['operator'] }), { code: 'VALIDATION' })
  const u = await auth.addUser({ username: 'op1', password: 'dai-du-tam', roles: ['operator'], displayName: 'Nguyễn Thị Lan' })
  t.equal((u as any).passwordHash, undefined)
  await t.rejects(auth.addUser({ username: 'op1', password: 'dai-du-tam', roles: ['operator'] }), { code: 'USER_EXISTS' })
  t.same([...permissionsOfRoles(['operator'])].sort(), ['ingest', 'read'])
  t.notOk(permissionsOfRoles(['reviewer', 'auditor']).has('admin'))
})

t.test('login throttle: failures per address and name, per address, over a sliding window', async t => {
  let now = 1_000_000
  const throttle = new LoginThrottle({ perUser: 3, perAddress: 5, windowMs: 60_000 }, () => now)
  for (let i = 0; i < 3; i++) { throttle.check('10.0.0.5', 'admin'); throttle.failed('10.0.0.5', 'admin'); now += 1000 }
  t.throws(() => throttle.check('10.0.0.5', 'admin'), { code: 'RATE_LIMITED' }, 'the fourth try is refused')
  t.doesNotThrow(() => throttle.check('10.0.0.6', 'admin'), 'another address may still try that name')
  t.doesNotThrow(() => throttle.check('10.0.0.5', 'reviewer'), 'that address may try another name')
  throttle.failed('10.0.0.5', 'reviewer'); throttle.failed('10.0.0.5', 'reviewer')
  t.throws(() => throttle.check('10.0.0.5', 'operator'), { code: 'RATE_LIMITED' }, 'five failures from one address: every name refused')
  now += 58_001
  t.doesNotThrow(() => throttle.check('10.0.0.5', 'admin'), 'the oldest failure left the window')
  throttle.failed('10.0.0.6', 'admin'); throttle.failed('10.0.0.6', 'admin')
  throttle.succeeded('10.0.0.6', 'admin')
  throttle.failed('10.0.0.6', 'admin'); throttle.failed('10.0.0.6', 'admin')
  t.doesNotThrow(() => throttle.check('10.0.0.6', 'admin'), 'a correct password clears that name\'s failures')
})
