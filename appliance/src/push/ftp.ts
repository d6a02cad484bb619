// The FTP drop box for copiers' scan-to-FTP, on ftp-srv. Each account files into one unit; an upload is answered
// 226 only once intake has made it durable, and a refused or broken one gets an error reply and stores nothing.
// The ftp-srv traps worked around here are described in shared/tech-notes.md §8.1.
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import type { FtpSrv, FtpConnection } from 'ftp-srv'
import type { FtpConfig } from '../config/index.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../log/index.js'
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleLimits } from '../auth/index.js'
import { FtpAccounts } from './accounts.js'
import { DropBoxFs } from './dropbox-fs.js'
import { asAppError, errorCode, ftpReplyCode, type IntakeDoor } from './outcome.js'

/** Everything a copier needs to log in, find its folder and upload; the rest (RETR, DELE, RNFR, SITE, APPE, REST,
 * SIZE, STAT, ...) is answered 502 before reaching any file system. */
const COMMANDS = [
  'USER', 'PASS', 'QUIT', 'NOOP', 'SYST', 'FEAT', 'HELP', 'OPTS', 'TYPE', 'MODE', 'STRU', 'ALLO', 'ABOR',
  'PWD', 'XPWD', 'CWD', 'XCWD', 'CDUP', 'XCUP', 'MKD', 'XMKD', 'LIST', 'NLST',
  'PASV', 'EPSV', 'PORT', 'EPRT', 'STOR', 'STOU'
]

/**
 * ftp-srv logs every command line (file names included) at trace level and raw errors elsewhere: it gets this
 * silent logger, and sohoa logs ids and counts itself.
 */
const SILENT: Record<string, unknown> = {}
for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) SILENT[level] = () => {}
SILENT.child = () => SILENT

export interface FtpDropBoxOptions {
  config: FtpConfig
  intake: IntakeDoor
  logger: Logger
  /** Largest file taken (the appliance's `maxUploadBytes`); larger uploads are cut off with 552. */
  maxUploadBytes: number
  /** A data connection silent this long is dropped (a stalled copier). */
  dataIdleMs?: number
  /** A control connection idle this long (no upload running) is closed with 421. */
  controlIdleMs?: number
  /** Wait before answering a wrong password, to slow down guessing. */
  loginFailureDelayMs?: number
  /** Sessions at once; each may hold up to `maxUploadBytes` in memory. */
  maxConnections?: number
  /**
   * Wrong passwords allowed per address and account name, and per address, in a window (default: the web sign-in's
   * 10 / 50 in 15 min). Past it that address is refused (530) without a password check until the window moves on:
   * the delay alone still let parallel connections guess about 16 times a second (issue 15).
   */
  loginThrottle?: ThrottleLimits
}

export interface FtpStats {
  sessions: number
  accepted: number
  duplicates: number
  refused: number
  interrupted: number
  loginFailures: number
  /** Passwords actually checked (a try refused by the throttle is not). */
  passwordChecks: number
}

export class FtpDropBox {
  readonly stats: FtpStats = { sessions: 0, accepted: 0, duplicates: 0, refused: 0, interrupted: 0, loginFailures: 0, passwordChecks: 0 }
  private readonly accounts: FtpAccounts
  private readonly throttle: LoginThrottle
  private readonly sessions = new Map<string, DropBoxFs>()
  private readonly inflight = new Set<Promise<unknown>>()
  private server?: FtpSrv
  private closing = false
  private listeningPort = 0

  constructor (private readonly opts: FtpDropBoxOptions) {
    const { pasvMin, pasvMax } = opts.config
    if (pasvMin > pasvMax) throw new AppError('CONFIG_INVALID', { problems: [`ftp.pasvMin (${pasvMin}) is above ftp.pasvMax (${pasvMax})`] })
    this.accounts = new FtpAccounts(opts.config.accounts)
    this.throttle = new LoginThrottle(opts.loginThrottle ?? DEFAULT_THROTTLE)
  }

  /** The port the control connection listens on (useful with port 0); 0 before listen. */
  get port (): number { return this.listeningPort }

  async listen (): Promise<void> {
    if (this.server) throw new Error('FtpDropBox.listen called twice')
    const { config } = this.opts
    const host = config.host.includes(':') ? `[${config.host}]` : config.host
    const signals = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const
    const before = new Map(signals.map(s => [s, new Set(process.listeners(s))]))
    // Loaded only when the drop box is on: ftp-srv and its dependencies are many modules every start would read.
    const { FtpSrv } = await import('ftp-srv')
    const server = new FtpSrv({
      url: `ftp://${host}:${config.port}`,
      pasv_url: config.pasvUrl,
      pasv_min: config.pasvMin,
      pasv_max: config.pasvMax,
      anonymous: false,
      // ftp-srv's timeout is a control-socket idle timeout that also kills long uploads: ours is below.
      timeout: 0,
      whitelist: COMMANDS,
      greeting: 'sohoa: hộp nhận bản quét / scan drop box',
      log: SILENT
    })
    // ftp-srv's constructor adds SIGTERM/SIGINT/SIGQUIT handlers that exit the process before the appliance
    // has stopped: remove exactly the ones it added.
    for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.off(s, l)
    this.server = server
    ;(server as unknown as { server: { maxConnections: number } }).server.maxConnections = this.opts.maxConnections ?? 16

    server.on('login', ({ connection, username, password }, resolve, reject) => {
      this.login(connection, username, password).then(fs => { resolve({ fs: fs as any }) }, reject)
    })
    server.on('connect' as any, ({ connection }: { connection: FtpConnection }) => { this.onConnect(connection) })
    server.on('disconnect', ({ connection }) => {
      const fs = this.sessions.get(connection.id)
      this.sessions.delete(connection.id)
      fs?.abort()
    })
    server.on('client-error', ({ context, error }) => {
      this.opts.logger.debug({ context, code: errorCode(error) }, 'ftp client error')
    })
    await server.listen()
    this.listeningPort = ((server as unknown as { server: { address: () => AddressInfo } }).server.address()).port
    this.opts.logger.info({ port: this.port, pasv: [config.pasvMin, config.pasvMax], accounts: this.accounts.size }, 'ftp drop box listening')
  }

  /** Stops taking sessions, lets commits under way finish (their copiers get 226), drops the rest; no timer left. */
  async close (): Promise<void> {
    const server = this.server
    if (!server || this.closing) return
    this.closing = true
    const internals = server as unknown as { connections: Record<string, FtpConnection & { commandSocket: Socket }> }
    // New sessions are turned away in onConnect from here on (maxConnections = 0 means "no limit" to Node).
    // A copier that never reads its answer must not hold the shutdown: wait for answers at most 5 s.
    const patience = new AbortController()
    const gaveUp = delay(5000, undefined, { signal: patience.signal }).then(() => true, () => true)
    while (this.inflight.size > 0) {
      const timedOut = await Promise.race([Promise.allSettled([...this.inflight]).then(() => false), gaveUp])
      if (timedOut) break
    }
    patience.abort()
    const bye = `421 ${new AppError('SHUTTING_DOWN').message}\r\n`
    for (const [id, connection] of Object.entries(internals.connections)) {
      // Out of ftp-srv's table first: its own disconnect path arms a timer that would keep the process alive.
      delete internals.connections[id]
      const socket = connection.commandSocket
      if (socket.writable) socket.write(bye)
      socket.destroy()
    }
    await server.close()
    this.opts.logger.info({ ...this.stats }, 'ftp drop box closed')
  }

  private onConnect (connection: FtpConnection): void {
    const socket = (connection as unknown as { commandSocket: Socket }).commandSocket
    // Same timer trap as in close(): taking the session out of ftp-srv's table before its 'close' handler runs
    // turns that handler's 1 s "Timed out disconnecting" timer into a no-op.
    const table = (this.server as unknown as { connections: Record<string, unknown> }).connections
    socket.prependOnceListener('close', () => { delete table[connection.id] })
    if (this.closing) {
      socket.destroy()
      return
    }
    socket.setTimeout(this.controlIdleMs)
  }

  private get controlIdleMs (): number { return this.opts.controlIdleMs ?? 300_000 }

  private async login (connection: FtpConnection, username: string, password: string): Promise<DropBoxFs> {
    if (this.closing) throw new AppError('SHUTTING_DOWN')
    const socket = (connection as unknown as { commandSocket: Socket }).commandSocket
    const address = socket.remoteAddress ?? 'unknown'
    const name = String(username ?? '').toLowerCase()
    try {
      // Counted before the password is checked: parallel connections cannot all pass while the first are hashing.
      this.throttle.admit(address, name)
    } catch (err) {
      this.stats.loginFailures++
      this.opts.logger.warn({ session: connection.id }, 'ftp login refused: too many wrong passwords from this address')
      throw err
    }
    this.stats.passwordChecks++
    const account = await this.accounts.verify(username, password)
    if (account) this.throttle.succeeded(address, name)
    if (!account) {
      this.stats.loginFailures++
      this.opts.logger.warn({ session: connection.id }, 'ftp login refused')
      await delay(this.opts.loginFailureDelayMs ?? 1000)
      throw new AppError('LOGIN_FAILED') // ftp-srv answers 530 with its message
    }
    const fs = new DropBoxFs(connection, {
      maxBytes: this.opts.maxUploadBytes,
      dataIdleMs: this.opts.dataIdleMs ?? 30_000,
      commit: async (bytes, filename) => { await this.commit(account.unit, bytes, filename, connection.id, fs) },
      onBusy: (busy) => { socket.setTimeout(busy ? 0 : this.controlIdleMs) },
      onSettled: ({ bytes, failure }) => {
        if (!failure) return
        if (failure.code === 'UPLOAD_INTERRUPTED') this.stats.interrupted++
        else this.stats.refused++
        this.opts.logger.warn({ session: connection.id, unit: account.unit, code: failure.code, bytes }, 'ftp upload not taken')
      }
    })
    this.answerFailuresOurWay(connection, fs)
    this.sessions.set(connection.id, fs)
    this.stats.sessions++
    this.opts.logger.info({ session: connection.id, unit: account.unit }, 'ftp session opened')
    return fs
  }

  /**
   * ftp-srv answers every failed STOR with `550 <raw error message>`. The upload knows better: 552 too large,
   * 426 broken transfer, 550 bad file, 451 our own trouble (the copier should retry), always with the
   * Vietnamese / English message.
   */
  private answerFailuresOurWay (connection: FtpConnection, fs: DropBoxFs): void {
    const reply = connection.reply.bind(connection)
    connection.reply = (options: number | object, ...letters: unknown[]) => {
      const failure = options === 550 ? fs.takeFailure() : undefined
      const sent = failure ? reply(ftpReplyCode(failure), failure.message) : reply(options, ...letters)
      return sent.finally(() => { fs.replied() })
    }
  }

  private async commit (unit: string, bytes: Buffer, filename: string, session: string, fs: DropBoxFs): Promise<void> {
    if (this.closing) throw new AppError('SHUTTING_DOWN')
    const work = this.opts.intake.accept({ unit, bytes, filename, source: 'ftp' })
    // Close waits until the copier has its answer (226 or not), not just until the page is durable.
    const answered = work.then(async () => await fs.nextReply(), () => {})
    this.inflight.add(answered)
    void answered.finally(() => this.inflight.delete(answered))
    try {
      const result = await work
      if (result.created) this.stats.accepted++
      else this.stats.duplicates++
      this.opts.logger.info({ session, unit, recordId: result.recordId, pages: result.pages.length, created: result.created, bytes: bytes.length }, 'ftp upload taken')
    } catch (err) {
      throw asAppError(err)
    }
  }
}
