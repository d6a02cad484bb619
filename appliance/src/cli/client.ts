/**
 * How CLI commands reach a node: over the running appliance's control socket (`<dataDir>/sohoa.sock`, mode 0600:
 * whoever can open it is the node's admin), or, when the appliance is stopped, through an offline node opened in
 * this process. Either way every command is a call of the same HTTP API, so the CLI never bypasses its checks.
 */
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import type { Config } from '../config/index.js'
import type { Logger } from '../log/index.js'
import { openNode, type NodeHandle } from '../node.js'

export interface ApiAnswer<T = any> {
  status: number
  body: T
}

export interface ApiClient {
  /** With `raw`, the answer's body is the bytes (files); else parsed JSON (or text). */
  request: <T = any>(method: string, url: string, payload?: { json?: unknown, body?: Buffer, contentType?: string, raw?: boolean }) => Promise<ApiAnswer<T>>
  close: () => Promise<void>
  /** `socket` when talking to the running appliance, `offline` otherwise. */
  mode: 'socket' | 'offline'
}

export async function connect (config: Config, logger: Logger): Promise<ApiClient> {
  const socketPath = join(config.dataDir, 'sohoa.sock')
  if (await socketAnswers(socketPath)) return socketClient(socketPath)
  const node = await openNode(config, logger, 'offline')
  if (node.generatedAdminPassword) printAdminPassword(node.generatedAdminPassword)
  return injectClient(node)
}

export function printAdminPassword (password: string): void {
  process.stderr.write([
    '',
    '  Đã tạo tài khoản quản trị "admin" với mật khẩu (chỉ hiện một lần):',
    '  Created the "admin" account with the password (shown once only):',
    '',
    `      ${password}`,
    '',
    '  Hãy lưu giữ mật khẩu này cẩn thận. / Keep this password safe.',
    '', ''
  ].join('\n'))
}

async function socketAnswers (socketPath: string): Promise<boolean> {
  try {
    const answer = await socketClient(socketPath).request('GET', '/healthz')
    return answer.status === 200
  } catch {
    return false
  }
}

function socketClient (socketPath: string): ApiClient {
  return {
    mode: 'socket',
    close: async () => {},
    request: async (method, url, payload = {}) => await new Promise((resolve, reject) => {
      const body = payload.json !== undefined ? Buffer.from(JSON.stringify(payload.json)) : payload.body
      const headers: Record<string, string | number> = {}
      if (body) {
        headers['content-type'] = payload.json !== undefined ? 'application/json' : (payload.contentType ?? 'application/octet-stream')
        headers['content-length'] = body.length
      }
      const req = httpRequest({ socketPath, path: url, method, headers, timeout: 600_000 }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const bytes = Buffer.concat(chunks)
          resolve({ status: res.statusCode ?? 0, body: payload.raw && res.statusCode === 200 ? bytes : parse(bytes.toString('utf8')) })
        })
        res.on('error', reject)
      })
      req.on('timeout', () => req.destroy(new Error('control socket timed out')))
      req.on('error', reject)
      req.end(body)
    })
  }
}

function injectClient (node: NodeHandle): ApiClient {
  return {
    mode: 'offline',
    close: async () => await node.stop(),
    request: async (method, url, payload = {}) => {
      const res = await node.api.inject({
        method: method as any,
        url,
        ...(payload.json !== undefined ? { payload: payload.json as any } : {}),
        ...(payload.body ? { payload: payload.body, headers: { 'content-type': payload.contentType ?? 'application/octet-stream' } } : {})
      })
      return { status: res.statusCode, body: payload.raw && res.statusCode === 200 ? res.rawPayload : parse(res.body) }
    }
  }
}

function parse (text: string): any {
  if (!text) return null
  try { return JSON.parse(text) } catch { return text }
}
