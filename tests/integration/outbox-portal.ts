/**
 * A portal for the outbox tests: a real HTTP server (node:http, port 0) that receives the national sync messages,
 * records every request, and honours `Idempotency-Key` as a real receiver would: a key already applied is
 * acknowledged and not applied again. What it does with each request (answer, fail with 500, answer an error_code,
 * hang until the client gives up, apply and then hang, apply and hold the answer) is the test's choice.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeEnvelope, type ArchiveLog } from '../../appliance/src/archive/log/index.js'

/** `ok`: apply (or acknowledge a repeat) and answer 200 `error_code "0"`. */
export type Behaviour = 'ok' | 'fail500' | 'errorCode' | 'hang' | 'applyThenHang' | 'applyThenHold'

export interface PortalRequest {
  n: number
  at: number
  /** Bumped by the test (e.g. after each kill): which run of the sender this request came from. */
  epoch: number
  key: string | undefined
  authorization: string | undefined
  body: any
  /** Whether the key had already been applied when this request arrived. */
  repeat: boolean
  behaviour: Behaviour
}

export interface Applied { key: string, body: any, n: number }

export interface Portal {
  url: string
  requests: PortalRequest[]
  applied: Applied[]
  appliedKeys: Map<string, Applied>
  epoch: number
  /** Chooses the behaviour of each request (default: always `ok`). */
  decide: (req: PortalRequest) => Behaviour
  /** How long an `ok` answer waits after applying (default 0): widens the window a crash can fall into. */
  answerDelayMs: () => number
  /** Resolves when a request with `applyThenHold` was applied; `release` answers the held ones. */
  held: () => Promise<PortalRequest>
  release: () => void
  close: () => Promise<void>
}

export async function startPortal (): Promise<Portal> {
  const held: Array<{ res: ServerResponse, req: PortalRequest }> = []
  let heldWaiter: ((r: PortalRequest) => void) | null = null
  const portal: Portal = {
    url: '',
    requests: [],
    applied: [],
    appliedKeys: new Map(),
    epoch: 0,
    decide: () => 'ok',
    answerDelayMs: () => 0,
    held: async () => await new Promise<PortalRequest>(resolve => { heldWaiter = resolve }),
    release: () => { for (const h of held.splice(0)) answer(h.res, 200, { error_code: '0', message: 'OK' }) },
    close: async () => {
      portal.release()
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
  const apply = (req: PortalRequest): void => {
    if (req.key === undefined || portal.appliedKeys.has(req.key)) return
    const a = { key: req.key, body: req.body, n: req.n }
    portal.appliedKeys.set(req.key, a)
    portal.applied.push(a)
  }
  const server = createServer((request: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      let body: any = null
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) } catch { body = null }
      const key = request.headers['idempotency-key'] as string | undefined
      const req: PortalRequest = {
        n: portal.requests.length, at: Date.now(), epoch: portal.epoch, key, authorization: request.headers.authorization,
        body, repeat: key !== undefined && portal.appliedKeys.has(key), behaviour: 'ok'
      }
      req.behaviour = portal.decide(req)
      portal.requests.push(req)
      switch (req.behaviour) {
        case 'fail500': answer(res, 500, { error_code: '500', message: 'Lỗi hệ thống' }); return
        case 'errorCode': answer(res, 200, { error_code: '99', message: 'Dữ liệu không hợp lệ' }); return
        case 'hang': return // never answers: the sender's timeout ends it
        case 'applyThenHang': apply(req); return
        case 'applyThenHold':
          apply(req)
          held.push({ res, req })
          heldWaiter?.(req)
          heldWaiter = null
          return
        default: {
          apply(req)
          const reply = (): void => answer(res, 200, { error_code: '0', message: req.repeat ? 'Đã nhận trước đó' : 'Thành công' })
          const delay = portal.answerDelayMs()
          if (delay > 0) setTimeout(reply, delay)
          else reply()
        }
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  portal.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/dongbo`
  return portal
}

function answer (res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

export async function until (what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}

export interface ExpectedMessage { seq: number, type: string, recordId: string }

/** Every log entry the outbox delivers, by its idempotency key (`<node>:<seq>`). */
export async function expectedMessages (archiveLog: ArchiveLog): Promise<Map<string, ExpectedMessage>> {
  const out = new Map<string, ExpectedMessage>()
  for (const row of await archiveLog.entries(1, 10_000)) {
    const body = decodeEnvelope(row.envelope).body
    if (['record.archived', 'record.validity', 'record.deleted'].includes(body.type)) out.set(`${body.node}:${row.seq}`, { seq: row.seq, type: body.type, recordId: body.recordId! })
  }
  return out
}

export const seqOf = (key: string): number => Number(key.split(':').pop())
export const docOf = (body: any): any => body.data[0].DanhSachGiayToKetQua[0]
