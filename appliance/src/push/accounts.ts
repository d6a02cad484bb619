// The FTP accounts of the copiers: one account, one unit. Checked without telling a guesser which names exist.
import { createHash, timingSafeEqual } from 'node:crypto'
import { hashPassword, verifyPassword } from '../auth/index.js'
import type { FtpAccount } from '../config/index.js'
import { AppError } from '../errors/index.js'

/** Names FTP clients send for anonymous access; never a copier's account. */
const ANONYMOUS = new Set(['anonymous', 'ftp'])

export class FtpAccounts {
  private readonly byName = new Map<string, FtpAccount>()
  private decoyHash?: Promise<string>

  constructor (accounts: readonly FtpAccount[]) {
    const problems: string[] = []
    for (const [i, account] of accounts.entries()) {
      if (ANONYMOUS.has(account.username.toLowerCase())) problems.push(`ftp.accounts[${i}]: "${account.username}" is reserved for anonymous access, which is refused`)
      else if (this.byName.has(account.username)) problems.push(`ftp.accounts[${i}]: duplicate username "${account.username}"`)
      if (!account.password && !account.passwordHash) problems.push(`ftp.accounts[${i}]: needs password or passwordHash`)
      this.byName.set(account.username, account)
    }
    if (problems.length > 0) throw new AppError('CONFIG_INVALID', { problems })
  }

  get size (): number { return this.byName.size }

  private get anyHashed (): boolean {
    for (const account of this.byName.values()) if (account.passwordHash !== undefined) return true
    return false
  }

  /** The account when the password is right, else undefined (anonymous always undefined). */
  async verify (username: string, password: string): Promise<FtpAccount | undefined> {
    const account = this.byName.get(username)
    if (!account || ANONYMOUS.has(username.toLowerCase())) {
      // Spend about the same time as a real check, so response time does not reveal which names exist.
      if (this.anyHashed) await verifyPassword(password, await this.decoy())
      else equalSecrets(password, '')
      return undefined
    }
    const ok = account.passwordHash !== undefined
      ? await verifyPassword(password, account.passwordHash)
      : equalSecrets(password, account.password ?? '')
    return ok ? account : undefined
  }

  private async decoy (): Promise<string> {
    this.decoyHash ??= hashPassword('decoy: no such account')
    return await this.decoyHash
  }
}

function equalSecrets (given: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s.normalize('NFC')).digest()
  return timingSafeEqual(digest(given), digest(expected))
}
