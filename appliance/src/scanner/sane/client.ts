/**
 * A client of one saned: one control connection, the devices opened through it, EXIT at the end.
 */
import type { SaneAuth } from './auth.js'
import type { DeviceInfo } from './codec.js'
import { DEFAULT_TIMEOUTS, SaneConnection, type Timeouts } from './connection.js'
import { DEFAULT_SANED_PORT } from './constants.js'
import { SaneDevice } from './device.js'

export interface SaneClientOptions {
  host: string
  /** Default 6566. */
  port?: number
  /** One timeout (ms) for every step: connect, each RPC reply, START, each pause in the image data. */
  timeoutMs?: number
  /** Per-step timeouts, over `timeoutMs` and the defaults (5 s connect, 10 s RPC, 60 s START, 30 s data). */
  timeouts?: Partial<Timeouts>
  /** User name sent with INIT (saned only logs it). Default "sohoa". */
  username?: string
  /** Credentials for saned.users-protected backends, or a callback given host, port and resource. */
  auth?: SaneAuth
  /** Send the password in clear if saned offers no MD5 salt. Default false. */
  allowPlainTextPassword?: boolean
}

export class SaneClient {
  private readonly devices = new Set<SaneDevice>()

  private constructor (private readonly conn: SaneConnection) {}

  static async connect (options: SaneClientOptions): Promise<SaneClient> {
    const base = options.timeoutMs
    const timeouts: Timeouts = {
      ...(base === undefined ? DEFAULT_TIMEOUTS : { connectMs: base, rpcMs: base, startMs: base, dataMs: base }),
      ...options.timeouts
    }
    const conn = await SaneConnection.open({
      host: options.host,
      port: options.port ?? DEFAULT_SANED_PORT,
      timeouts,
      username: options.username ?? 'sohoa',
      auth: options.auth,
      allowPlainTextPassword: options.allowPlainTextPassword ?? false
    })
    return new SaneClient(conn)
  }

  /** True once closed, or once the connection was lost or timed out (then connect again). */
  get closed (): boolean {
    return this.conn.closed
  }

  async listDevices (): Promise<DeviceInfo[]> {
    return await this.conn.getDevices()
  }

  /** Opens a device by name ("test:0", "pnm:0", "fujitsu:..."); SANE_UNKNOWN_DEVICE if saned has none. */
  async open (name: string): Promise<SaneDevice> {
    const handle = await this.conn.open(name)
    const device = new SaneDevice(this.conn, name, handle)
    try {
      await device.init()
    } catch (err) {
      await device.close().catch(() => {})
      throw err
    }
    this.devices.add(device)
    return device
  }

  /** Closes the open devices, sends EXIT and closes the socket. Never throws. */
  async close (): Promise<void> {
    for (const device of this.devices) await device.close().catch(() => {})
    this.devices.clear()
    await this.conn.exit()
  }
}
