/**
 * Numbers of the SANE network protocol (SANE standard 1.x, chapter "Network Protocol", and sane.h).
 * Only this file spells them out; the rest of the module uses the names.
 */

/** The default TCP port of saned (IANA "sane-port"). */
export const DEFAULT_SANED_PORT = 6566

/**
 * Network protocol version carried in the "build" part of the version code. saned of sane-backends 1.x
 * speaks version 3; from version 3 on, SET_AUTO carries no value (sanei_net.c).
 */
export const NET_PROTOCOL_VERSION = 3
export const SANE_MAJOR = 1
export const SANE_MINOR = 0

export function versionCode (major: number, minor: number, build: number): number {
  return (((major & 0xff) << 24) | ((minor & 0xff) << 16) | (build & 0xffff)) >>> 0
}

export function versionParts (code: number): { major: number, minor: number, build: number } {
  return { major: (code >>> 24) & 0xff, minor: (code >>> 16) & 0xff, build: code & 0xffff }
}

/** RPC codes, in the order of the standard. */
export const Rpc = {
  INIT: 0,
  GET_DEVICES: 1,
  OPEN: 2,
  CLOSE: 3,
  GET_OPTION_DESCRIPTORS: 4,
  CONTROL_OPTION: 5,
  GET_PARAMETERS: 6,
  START: 7,
  CANCEL: 8,
  AUTHORIZE: 9,
  EXIT: 10
} as const
export type RpcName = keyof typeof Rpc

/** SANE_Status values; 12 and 13 were added to sane.h after the 1.0 standard. */
export const STATUS_NAMES = [
  'GOOD', 'UNSUPPORTED', 'CANCELLED', 'DEVICE_BUSY', 'INVAL', 'EOF', 'JAMMED', 'NO_DOCS',
  'COVER_OPEN', 'IO_ERROR', 'NO_MEM', 'ACCESS_DENIED', 'WARMING_UP', 'HW_LOCKED'
] as const
export type SaneStatusName = typeof STATUS_NAMES[number]
export const STATUS_GOOD = 0
export const STATUS_EOF = 5

export function statusName (status: number): SaneStatusName | `UNKNOWN_${number}` {
  return STATUS_NAMES[status] ?? `UNKNOWN_${status}`
}

export const ValueType = { BOOL: 0, INT: 1, FIXED: 2, STRING: 3, BUTTON: 4, GROUP: 5 } as const
export const VALUE_TYPE_NAMES = ['bool', 'int', 'fixed', 'string', 'button', 'group'] as const
export type OptionType = typeof VALUE_TYPE_NAMES[number]

export const UNIT_NAMES = ['none', 'pixel', 'bit', 'mm', 'dpi', 'percent', 'microsecond'] as const
export type OptionUnit = typeof UNIT_NAMES[number]

export const Cap = {
  SOFT_SELECT: 1 << 0,
  HARD_SELECT: 1 << 1,
  SOFT_DETECT: 1 << 2,
  EMULATED: 1 << 3,
  AUTOMATIC: 1 << 4,
  INACTIVE: 1 << 5,
  ADVANCED: 1 << 6
} as const

export const Info = { INEXACT: 1 << 0, RELOAD_OPTIONS: 1 << 1, RELOAD_PARAMS: 1 << 2 } as const

export const Constraint = { NONE: 0, RANGE: 1, WORD_LIST: 2, STRING_LIST: 3 } as const

export const Action = { GET_VALUE: 0, SET_VALUE: 1, SET_AUTO: 2 } as const

export const FRAME_NAMES = ['gray', 'rgb', 'red', 'green', 'blue'] as const
export type FrameFormat = typeof FRAME_NAMES[number]

/** byte_order word of the START reply. */
export const BYTE_ORDER_LITTLE = 0x1234
export const BYTE_ORDER_BIG = 0x4321

/** A data record length of 0xffffffff ends the frame; one status byte follows. */
export const END_OF_FRAME = 0xffffffff

/** 16.16 fixed point (SANE_Fixed). */
export const FIXED_SCALE = 1 << 16

/** saned copies user name and password into 128-byte buffers (SANE_MAX_USERNAME_LEN / _PASSWORD_LEN). */
export const MAX_AUTH_FIELD_BYTES = 127

/**
 * Sanity limits on what a server may make us allocate. saned's own decoder refuses more than 1 MiB per
 * allocation (MAX_MEM in sanei_wire.c); a data record is at most saned's transfer buffer (1 MiB by default,
 * `-B` can raise it), so 256 MiB means a broken stream, not a big page.
 */
export const MAX_ARRAY_LENGTH = 1 << 20
export const MAX_STRING_BYTES = 1 << 20
export const MAX_RECORD_BYTES = 256 * 1024 * 1024
/**
 * Largest image frame taken from saned (issue 15): a 200 MP page (the intake's pixel limit) at 3 bytes a pixel. The
 * frame's size comes from saned's parameters (lines × bytes per line) or from what it keeps sending; either beyond
 * this is refused before it is allocated, so a hostile or broken saned cannot make the node allocate without bound.
 */
export const MAX_FRAME_BYTES = 600_000_000
