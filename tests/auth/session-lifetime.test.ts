// Issue 15, item 13: the session cookie is `Secure` when the node is served behind TLS (SOHOA_SECURE_COOKIE), every
// cookie carries the absolute lifetime, and a session ends that many hours after sign-in however active it is.
import { createHash } from 'node:crypto'
import t from 'tap'
import { loadConfig } from '../../appliance/src/config/index.js'
import { createLogger } from '../../appliance/src/log/index.js'
import { openNode } from '../../appliance/src/node.js'
import { tempDir } from '../helpers/tmp.js'

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')

async function nodeWith (t: Parameters<typeof tempDir>[0], env: Record<string, string>) {
  const node = await openNode(loadConfig({ env, overrides: { dataDir: await tempDir(t), logLevel: 'silent' } }), createLogger('silent'), 'offline')
  t.teardown(() => node.stop())
  await node.services.auth.addUser({ username: 'lan', password: 'mat-khau-lan', roles: ['reviewer'] })
  const login = async () => await node.api.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'lan', password: 'mat-khau-lan' } })
  return { node, login }
}

t.test('Secure behind TLS, and Max-Age from the absolute lifetime', async t => {
  const tls = await nodeWith(t, { SOHOA_SECURE_COOKIE: 'true', SOHOA_SESSION_MAX_HOURS: '8' })
  const cookie = String((await tls.login()).headers['set-cookie'])
  t.match(cookie, /; Secure/i, 'Secure')
  t.match(cookie, /Max-Age=28800/, '8 hours')
  t.match(cookie, /HttpOnly/i)
  const plain = await nodeWith(t, {})
  t.notMatch(String((await plain.login()).headers['set-cookie']), /; Secure/i, 'not Secure by default (plain HTTP on the LAN)')
  t.equal(plain.node.services.config.sessionMaxHours, 12, 'default 12 hours')
  t.throws(() => loadConfig({ env: { SOHOA_SECURE_COOKIE: 'perhaps' }, overrides: {} }), { code: 'CONFIG_INVALID' }, 'a bad value stops the start')
})

t.test('a session ends after its absolute lifetime even while in use', async t => {
  const { node } = await nodeWith(t, { SOHOA_SESSION_MAX_HOURS: '1' })
  const auth = node.services.auth
  const { cookie } = await auth.login('lan', 'mat-khau-lan')
  t.ok(await auth.fromSession(cookie), 'a fresh session works')
  const store = node.store
  const session = (await store.getSession(sha256(cookie)))!
  // Signed in 61 minutes ago, seen a second ago: active, but past its lifetime.
  await store.tx().putSession({ ...session, createdAt: new Date(Date.now() - 61 * 60_000).toISOString(), lastSeen: Date.now() - 1000 }).commit()
  t.equal(await auth.fromSession(cookie), null, 'ended')
  t.equal(await store.getSession(sha256(cookie)), undefined, 'and removed')
})
