/**
 * Requests and replies of each RPC, laid out as the standard's tables (and sanei_net.c) define them.
 * Encoders return the whole request (RPC code first); decoders read one reply from a WireReader.
 */
import {
  Action, Constraint, FRAME_NAMES, NET_PROTOCOL_VERSION, Rpc, SANE_MAJOR, SANE_MINOR, ValueType, versionCode,
  type FrameFormat
} from './constants.js'
import { protocolError } from './errors.js'
import type { WireDescriptor, WireValue } from './options.js'
import { WireWriter, type WireReader } from './wire.js'

export interface DeviceInfo {
  name: string
  vendor: string
  model: string
  type: string
}

export interface SaneParameters {
  format: FrameFormat
  lastFrame: boolean
  bytesPerLine: number
  pixelsPerLine: number
  /** -1 when the backend cannot know in advance (hand scanners, some feeders). */
  lines: number
  depth: number
}

/** Replies that may ask for authorization carry the resource name (null when none is needed). */
export interface Authorizable { resource: string | null }

export function initRequest (username: string | null): Buffer {
  return new WireWriter().word(Rpc.INIT).word(versionCode(SANE_MAJOR, SANE_MINOR, NET_PROTOCOL_VERSION)).string(username).toBuffer()
}

export async function readInitReply (r: WireReader): Promise<{ status: number, versionCode: number }> {
  return { status: await r.word(), versionCode: await r.uword() }
}

export function plainRequest (rpc: number): Buffer {
  return new WireWriter().word(rpc).toBuffer()
}

/** CLOSE, GET_OPTION_DESCRIPTORS, GET_PARAMETERS, START and CANCEL take just the handle. */
export function handleRequest (rpc: number, handle: number): Buffer {
  return new WireWriter().word(rpc).word(handle).toBuffer()
}

export async function readDevicesReply (r: WireReader): Promise<{ status: number, devices: DeviceInfo[] }> {
  const status = await r.word()
  // A NULL-terminated array of device pointers: the terminator arrives as a NULL pointer element.
  const list = await r.array(async () => await r.pointer(async () => ({
    name: await r.string() ?? '',
    vendor: await r.string() ?? '',
    model: await r.string() ?? '',
    type: await r.string() ?? ''
  })))
  return { status, devices: list.filter((d): d is DeviceInfo => d !== null) }
}

export function openRequest (deviceName: string): Buffer {
  return new WireWriter().word(Rpc.OPEN).string(deviceName).toBuffer()
}

export async function readOpenReply (r: WireReader): Promise<{ status: number, handle: number } & Authorizable> {
  return { status: await r.word(), handle: await r.word(), resource: await r.string() }
}

export async function readAck (r: WireReader): Promise<number> {
  return await r.word()
}

export async function readOptionDescriptors (r: WireReader): Promise<WireDescriptor[]> {
  const list = await r.array(async () => await r.pointer(async () => await readDescriptor(r)))
  if (list.some(d => d === null)) throw protocolError('null-option-descriptor')
  return list as WireDescriptor[]
}

async function readDescriptor (r: WireReader): Promise<WireDescriptor> {
  const d: WireDescriptor = {
    name: await r.string(),
    title: await r.string(),
    desc: await r.string(),
    type: await r.word(),
    unit: await r.word(),
    size: await r.word(),
    cap: await r.word(),
    constraintType: await r.word()
  }
  switch (d.constraintType) {
    case Constraint.NONE:
      break
    case Constraint.RANGE:
      d.range = await r.pointer(async () => ({ min: await r.word(), max: await r.word(), quant: await r.word() }))
      break
    case Constraint.WORD_LIST: {
      // The first word counts the values that follow it.
      const words = await r.words()
      d.wordList = words.slice(1, 1 + Math.max(0, words[0] ?? 0))
      break
    }
    case Constraint.STRING_LIST:
      // saned sends the terminating NULL string as the last element.
      d.stringList = (await r.array(async () => await r.string())).filter((s): s is string => s !== null)
      break
    default:
      throw protocolError('unknown-constraint-type', { option: d.name, constraintType: d.constraintType })
  }
  return d
}

export interface ControlOptionRequest {
  handle: number
  option: number
  action: number
  valueType: number
  valueSize: number
  value: WireValue
}

export function controlOptionRequest (req: ControlOptionRequest): Buffer {
  const w = new WireWriter().word(Rpc.CONTROL_OPTION).word(req.handle).word(req.option).word(req.action)
  // Protocol version 3: SET_AUTO carries neither type, size nor value.
  if (req.action === Action.SET_AUTO) return w.toBuffer()
  w.word(req.valueType).word(req.valueSize)
  if ('words' in req.value) w.words(req.value.words)
  else if ('text' in req.value) w.charArray(req.value.text, req.valueSize)
  else w.word(0)
  return w.toBuffer()
}

export interface ControlOptionReply extends Authorizable {
  status: number
  info: number
  valueType: number
  valueSize: number
  value: WireValue
}

export async function readControlOptionReply (r: WireReader): Promise<ControlOptionReply> {
  const status = await r.word()
  const info = await r.word()
  const valueType = await r.word()
  const valueSize = await r.word()
  let value: WireValue
  switch (valueType) {
    case ValueType.BOOL: case ValueType.INT: case ValueType.FIXED:
      value = { words: await r.words() }
      break
    case ValueType.STRING:
      value = { text: await r.charArray() }
      break
    case ValueType.BUTTON: case ValueType.GROUP:
      await r.uword() // an empty array
      value = { none: true }
      break
    default:
      throw protocolError('unknown-value-type', { valueType })
  }
  return { status, info, valueType, valueSize, value, resource: await r.string() }
}

export async function readParametersReply (r: WireReader): Promise<{ status: number, params: SaneParameters }> {
  const status = await r.word()
  const format = await r.word()
  const params = {
    lastFrame: await r.bool(),
    bytesPerLine: await r.word(),
    pixelsPerLine: await r.word(),
    lines: await r.word(),
    depth: await r.word()
  }
  const name = FRAME_NAMES[format]
  // When status is not GOOD the rest of the reply is undefined; only then may the format be nonsense.
  if (name === undefined && status === 0) throw protocolError('unknown-frame-format', { format })
  return { status, params: { format: name ?? 'gray', ...params } }
}

export async function readStartReply (r: WireReader): Promise<{ status: number, port: number, byteOrder: number } & Authorizable> {
  return { status: await r.word(), port: await r.word(), byteOrder: await r.word(), resource: await r.string() }
}

export function authorizeRequest (resource: string, username: string, password: string): Buffer {
  return new WireWriter().word(Rpc.AUTHORIZE).string(resource).string(username).string(password).toBuffer()
}
