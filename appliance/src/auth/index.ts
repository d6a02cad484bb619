/**
 * Who is calling: users with roles (password, cookie session), machine tokens with a scope (bearer). Secrets are
 * never stored: passwords as scrypt hashes, tokens and session cookies as SHA-256 of their random value.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { AppError } from '../errors/index.js'
import { newId, ROLES, SCOPES, type Role, type Scope, type Session, type Store, type Token, type User } from '../store/index.js'
import { generatePassword, hashPassword, verifyPassword } from './passwords.js'
import { permissionsOfRoles, permissionsOfScope, type Principal } from './permissions.js'

export * from './permissions.js'
export { hashPassword, verifyPassword, generatePassword, passwordChecksPeak, PASSWORD_CHECKS_AT_ONCE, PASSWORD_QUEUE } from './passwords.js'
export { LoginThrottle, DEFAULT_THROTTLE, type ThrottleLimits } from './throttle.js'

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/
const TOKEN_PREFIX = 'sohoa_'

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')

export interface AuthOptions {
  sessionIdleMinutes: number
  /** Absolute lifetime of a session from its sign-in, however active (a stolen cookie does not live for ever). */
  sessionMaxHours?: number
}

export class Auth {
  constructor (private readonly store: Store, private readonly opts: AuthOptions) {}

  async hasUsers (): Promise<boolean> {
    for await (const _ of this.store.listUsers()) return true
    return false
  }

  /** On a node with no user: creates `admin`. Returns the password when it was generated (to print once). */
  async ensureAdmin (password?: string): Promise<{ created: boolean, generatedPassword?: string }> {
    if (await this.hasUsers()) return { created: false }
    const generated = password ? undefined : generatePassword()
    await this.addUser({ username: 'admin', password: password ?? generated!, roles: ['admin'], displayName: 'Quản trị' })
    return { created: true, generatedPassword: generated }
  }

  async addUser (input: { username: string, password: string, roles: Role[], displayName?: string }): Promise<Omit<User, 'passwordHash'>> {
    const username = input.username.trim().toLowerCase()
    if (!USERNAME.test(username)) throw new AppError('VALIDATION', { username: '2-64 characters: a-z, 0-9, dot, dash, underscore' })
    if (input.password.length < 8) throw new AppError('VALIDATION', { password: 'at least 8 characters' })
    if (input.roles.length === 0 || input.roles.some(r => !ROLES.includes(r))) throw new AppError('VALIDATION', { roles: `one or more of ${ROLES.join(', ')}` })
    const passwordHash = await hashPassword(input.password)
    return await this.store.lockUser(username, async () => {
      if (await this.store.getUser(username)) throw new AppError('USER_EXISTS', { username })
      const user: User = { username, displayName: input.displayName?.trim() || username, roles: [...new Set(input.roles)], passwordHash, disabled: false, createdAt: new Date().toISOString() }
      await this.store.tx().putUser(user).commit()
      const { passwordHash: _, ...visible } = user
      return visible
    })
  }

  async listUsers (): Promise<Array<Omit<User, 'passwordHash'>>> {
    const out: Array<Omit<User, 'passwordHash'>> = []
    for await (const { passwordHash: _, ...u } of this.store.listUsers()) out.push(u)
    return out
  }

  /** Checks a password and opens a session. Returns the cookie value (shown once) and the CSRF token. */
  async login (username: string, password: string): Promise<{ cookie: string, csrfToken: string, user: Omit<User, 'passwordHash'> }> {
    const user = await this.store.getUser(username.trim().toLowerCase())
    // Verify even for unknown users so timing does not tell which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
    if (!user || !ok || user.disabled) throw new AppError('LOGIN_FAILED')
    const cookie = randomBytes(32).toString('base64url')
    const session: Session = { hash: sha256(cookie), username: user.username, csrfToken: randomBytes(24).toString('base64url'), createdAt: new Date().toISOString(), lastSeen: Date.now() }
    await this.store.tx().putSession(session).commit()
    const { passwordHash: _, ...visible } = user
    return { cookie, csrfToken: session.csrfToken, user: visible }
  }

  async logout (cookie: string): Promise<void> {
    await this.store.tx().delSession(sha256(cookie)).commit()
  }

  async fromSession (cookie: string): Promise<Principal | null> {
    const hash = sha256(cookie)
    const session = await this.store.getSession(hash)
    if (!session) return null
    const idleMs = this.opts.sessionIdleMinutes * 60_000
    const maxMs = (this.opts.sessionMaxHours ?? 12) * 3600_000
    const age = Date.now() - Date.parse(session.createdAt)
    if (Date.now() - session.lastSeen > idleMs || !(age <= maxMs)) {
      await this.store.tx().delSession(hash).commit()
      return null
    }
    const user = await this.store.getUser(session.username)
    if (!user || user.disabled) return null
    // Refresh the idle clock at most once a minute: no write per request.
    if (Date.now() - session.lastSeen > 60_000) await this.store.tx().putSession({ ...session, lastSeen: Date.now() }).commit()
    return { kind: 'user', id: user.username, roles: user.roles, permissions: permissionsOfRoles(user.roles), csrfToken: session.csrfToken }
  }

  async createToken (input: { name: string, scope: Scope, createdBy: string }): Promise<{ token: Omit<Token, 'hash'>, secret: string }> {
    if (!input.name?.trim() || input.name.length > 100) throw new AppError('VALIDATION', { name: '1-100 characters' })
    if (!SCOPES.includes(input.scope)) throw new AppError('VALIDATION', { scope: `one of ${SCOPES.join(', ')}` })
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url')
    const token: Token = { id: newId('t'), name: input.name.trim(), scope: input.scope, hash: sha256(secret), createdAt: new Date().toISOString(), createdBy: input.createdBy }
    await this.store.tx().putToken(token).commit()
    const { hash: _, ...visible } = token
    return { token: visible, secret }
  }

  async fromToken (secret: string): Promise<Principal | null> {
    if (!secret.startsWith(TOKEN_PREFIX)) return null
    const hash = sha256(secret)
    const token = await this.store.getTokenByHash(hash)
    if (!token || token.revokedAt) return null
    if (!timingSafeEqual(Buffer.from(token.hash), Buffer.from(hash))) return null
    return { kind: 'token', id: token.id, roles: [], scope: token.scope, permissions: permissionsOfScope(token.scope) }
  }

  async listTokens (): Promise<Array<Omit<Token, 'hash'>>> {
    const out: Array<Omit<Token, 'hash'>> = []
    for await (const { hash: _, ...t } of this.store.listTokens()) out.push(t)
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  }

  async revokeToken (id: string): Promise<Omit<Token, 'hash'>> {
    for await (const token of this.store.listTokens()) {
      if (token.id !== id) continue
      const revoked = { ...token, revokedAt: token.revokedAt ?? new Date().toISOString() }
      await this.store.tx().putToken(revoked).commit()
      const { hash: _, ...visible } = revoked
      return visible
    }
    throw new AppError('TOKEN_NOT_FOUND', { id })
  }
}
