/**
 * The control connection to one saned: TCP connect, SANE_NET_INIT, then one RPC at a time. Calls made
 * concurrently are queued, because replies carry no request id. Every reply must arrive within its timeout;
 * on a timeout or a lost connection the socket is destroyed and the connection is dead for good (a late
 * reply would otherwise be taken for the answer to the next call).
 */
import type { Socket } from 'node:net'
import { AppError } from '../../errors/index.js'
import { authorizeFields, resourceBackend, type SaneAuth } from './auth.js'
import {
  authorizeRequest, controlOptionRequest, handleRequest, initRequest, openRequest, plainRequest,
  readAck, readControlOptionReply, readDevicesReply, readInitReply, readOpenReply, readOptionDescriptors,
  readParametersReply, readStartReply,
  type Authorizable, type ControlOptionReply, type ControlOptionRequest, type DeviceInfo, type SaneParameters
} from './codec.js'
import { NET_PROTOCOL_VERSION, Rpc, STATUS_EOF, STATUS_GOOD, statusName, versionParts, type RpcName } from './constants.js'
import { connectionLostError, protocolError, statusError, timeoutError } from './errors.js'
import type { WireDescriptor } from './options.js'
import { openSocket, SocketReader } from './sockets.js'
import { WireReader } from './wire.js'

export interface Timeouts {
  /** TCP connect, control and data connections. */
  connectMs: number
  /** Each RPC reply. */
  rpcMs: number
  /**
   * The START reply and the first image data: real scanners warm the lamp or feed a sheet first (saned
   * also answers the GET_PARAMETERS sent right after START only once the first data came from the backend).
   */
  startMs: number
  /** Silence allowed between two pieces of image data. */
  dataMs: number
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5000, rpcMs: 10_000, startMs: 60_000, dataMs: 30_000 }

export interface ConnectionOptions {
  host: string
  port: number
  timeouts: Timeouts
  /** Sent with INIT; saned only logs it. */
  username: string | null
  auth?: SaneAuth
  /** Send the password in clear when saned offers no MD5 salt (saned always does; default false). */
  allowPlainTextPassword: boolean
}

/** saned never loops on AUTHORIZE by itself; more rounds than this means something is wrong. */
const MAX_AUTH_ROUNDS = 3

export class SaneConnection {
  private readonly reader: SocketReader
  private readonly wire: WireReader
  private tail: Promise<unknown> = Promise.resolve()
  private dead: AppError | null = null

  private constructor (private readonly socket: Socket, readonly options: ConnectionOptions) {
    const where = { host: options.host, port: options.port }
    this.reader = new SocketReader(socket, cause => connectionLostError('rpc', where, cause))
    this.wire = new WireReader(this.reader)
    socket.on('close', () => { this.dead ??= connectionLostError('rpc', where) })
  }

  /** Connects and runs SANE_NET_INIT. */
  static async open (options: ConnectionOptions): Promise<SaneConnection> {
    const socket = await openSocket(options.host, options.port, options.timeouts.connectMs, 'connect')
    const conn = new SaneConnection(socket, options)
    try {
      const reply = await conn.call('INIT', initRequest(options.username), readInitReply)
      if (reply.status !== STATUS_GOOD) throw statusError(reply.status, { rpc: 'INIT' })
      const version = versionParts(reply.versionCode)
      if (version.major !== 1 || version.build !== NET_PROTOCOL_VERSION) {
        throw protocolError('unsupported-version', { version })
      }
      return conn
    } catch (err) {
      conn.destroy()
      // saned drops a client its saned.conf does not list without a word.
      if (err instanceof AppError && err.details?.reason === 'connection-lost') {
        throw new AppError('SANE_ACCESS_DENIED', { reason: 'closed-during-init', host: options.host, port: options.port }, err)
      }
      throw err
    }
  }

  /** The address the control connection reached; the data connection must come from and go to the same host. */
  get remoteAddress (): string {
    return this.socket.remoteAddress ?? this.options.host
  }

  get closed (): boolean {
    return this.dead !== null
  }

  async getDevices (): Promise<DeviceInfo[]> {
    const reply = await this.call('GET_DEVICES', plainRequest(Rpc.GET_DEVICES), readDevicesReply)
    if (reply.status !== STATUS_GOOD) throw statusError(reply.status, { rpc: 'GET_DEVICES' })
    return reply.devices
  }

  /** Opens a device and returns saned's handle. An unknown name comes back as SANE_UNKNOWN_DEVICE. */
  async open (deviceName: string): Promise<number> {
    const { reply, problem } = await this.callAuthorized('OPEN', openRequest(deviceName), readOpenReply)
    if (reply.status === STATUS_GOOD) return reply.handle
    const context = { rpc: 'OPEN', device: deviceName, ...(problem !== undefined ? { authProblem: problem } : {}) }
    throw statusError(reply.status, context, statusName(reply.status) === 'INVAL' ? 'SANE_UNKNOWN_DEVICE' : undefined)
  }

  async close (handle: number): Promise<void> {
    await this.call('CLOSE', handleRequest(Rpc.CLOSE, handle), readAck)
  }

  async getOptionDescriptors (handle: number): Promise<WireDescriptor[]> {
    return await this.call('GET_OPTION_DESCRIPTORS', handleRequest(Rpc.GET_OPTION_DESCRIPTORS, handle), readOptionDescriptors)
  }

  /** Returns the reply whatever its status; the caller knows which option it was about. */
  async controlOption (request: ControlOptionRequest): Promise<ControlOptionReply> {
    const { reply } = await this.callAuthorized('CONTROL_OPTION', controlOptionRequest(request), readControlOptionReply)
    return reply
  }

  /** @param timeoutMs overrides the RPC timeout (asked during a scan, saned answers after the first data). */
  async getParameters (handle: number, timeoutMs?: number): Promise<SaneParameters> {
    const reply = await this.call('GET_PARAMETERS', handleRequest(Rpc.GET_PARAMETERS, handle), readParametersReply, timeoutMs)
    if (reply.status !== STATUS_GOOD) throw statusError(reply.status, { rpc: 'GET_PARAMETERS' })
    return reply.params
  }

  /**
   * Starts a frame; NO_DOCS, JAMMED and the like are thrown here. EOF from START (single-image sources
   * such as pnm answer it when asked for another image before CANCEL) means "no more images": NO_DOCS.
   */
  async start (handle: number): Promise<{ port: number, byteOrder: number }> {
    const { reply, problem } = await this.callAuthorized('START', handleRequest(Rpc.START, handle), readStartReply, this.options.timeouts.startMs)
    if (reply.status !== STATUS_GOOD) {
      const context = { rpc: 'START', ...(problem !== undefined ? { authProblem: problem } : {}) }
      throw statusError(reply.status, context, reply.status === STATUS_EOF ? 'SANE_NO_DOCS' : undefined)
    }
    return { port: reply.port, byteOrder: reply.byteOrder }
  }

  async cancel (handle: number): Promise<void> {
    await this.call('CANCEL', handleRequest(Rpc.CANCEL, handle), readAck)
  }

  /** Sends EXIT (saned answers by closing) and closes the socket. Never throws. */
  async exit (): Promise<void> {
    if (this.dead !== null) { this.socket.destroy(); return }
    await this.exclusive(async () => {
      this.dead = new AppError('SANE_UNREACHABLE', { reason: 'closed', host: this.options.host, port: this.options.port })
      const closed = new Promise<void>(resolve => this.socket.once('close', () => resolve()))
      this.socket.end(plainRequest(Rpc.EXIT))
      const timer = setTimeout(() => this.socket.destroy(), Math.min(1000, this.options.timeouts.rpcMs))
      await closed
      clearTimeout(timer)
    }).catch(() => this.socket.destroy())
  }

  /** Drops the connection at once. */
  destroy (err?: AppError): void {
    this.dead ??= err ?? new AppError('SANE_UNREACHABLE', { reason: 'closed', host: this.options.host, port: this.options.port })
    this.reader.fail(this.dead)
  }

  /** One request, one reply, in turn with every other call. */
  private async call<T> (rpc: RpcName, request: Buffer, readReply: (r: WireReader) => Promise<T>, timeoutMs?: number): Promise<T> {
    return await this.exclusive(async () => {
      this.socket.write(request)
      return await this.withDeadline(rpc, timeoutMs, async () => await readReply(this.wire))
    })
  }

  /**
   * Like `call`, for the RPCs where saned may first answer with a resource to authorize: then we send
   * AUTHORIZE, read its dummy word, and saned sends the real reply to the original request.
   */
  private async callAuthorized<T extends Authorizable> (rpc: RpcName, request: Buffer, readReply: (r: WireReader) => Promise<T>, timeoutMs?: number): Promise<{ reply: T, problem?: string }> {
    return await this.exclusive(async () => {
      this.socket.write(request)
      let reply = await this.withDeadline(rpc, timeoutMs, async () => await readReply(this.wire))
      let problem: string | undefined
      for (let round = 0; reply.resource !== null; round++) {
        if (round === MAX_AUTH_ROUNDS) {
          this.destroy(protocolError('authorization-loop', { rpc }))
          throw this.dead as AppError
        }
        const { host, port } = this.options
        const request = { host, port, resource: reply.resource, backend: resourceBackend(reply.resource) }
        const fields = await authorizeFields(this.options.auth, request, this.options.allowPlainTextPassword, this.options.timeouts.rpcMs)
        problem = fields.problem
        this.socket.write(authorizeRequest(reply.resource, fields.username, fields.password))
        reply = await this.withDeadline(rpc, timeoutMs, async () => {
          await readAck(this.wire)
          return await readReply(this.wire)
        })
      }
      return { reply, problem }
    })
  }

  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      if (this.dead !== null) throw this.deadError()
      return await fn()
    })
    this.tail = run.catch(() => {})
    return await run
  }

  private async withDeadline<T> (rpc: RpcName, timeoutMs: number | undefined, fn: () => Promise<T>): Promise<T> {
    const ms = timeoutMs ?? this.options.timeouts.rpcMs
    const timer = setTimeout(() => {
      this.destroy(timeoutError('rpc', ms, { rpc, host: this.options.host, port: this.options.port }))
    }, ms)
    try {
      return await fn()
    } catch (err) {
      // A reply we could not decode leaves the stream out of step: nothing after it can be trusted.
      if (this.dead === null) this.destroy(err instanceof AppError ? err : protocolError('decode-failed', { rpc }))
      throw err instanceof AppError ? err : this.deadError()
    } finally {
      clearTimeout(timer)
    }
  }

  private deadError (): AppError {
    const dead = this.dead as AppError
    if (dead.details?.reason === 'closed') return dead
    return new AppError('SANE_UNREACHABLE', { reason: 'connection-unusable', after: dead.code, host: this.options.host, port: this.options.port }, dead)
  }
}
