/**
 * Option descriptors as the rest of sohoa sees them (names, decoded units, constraints in user numbers),
 * and the value rules: conversion between JavaScript values and SANE words, and the checks a value must
 * pass before it is sent (type, size, capabilities, constraint). Values that break a constraint are
 * refused here, without a round trip; a value between two quantisation steps is left to the backend,
 * which rounds it and answers INEXACT.
 */
import {
  Cap, Constraint, FIXED_SCALE, UNIT_NAMES, VALUE_TYPE_NAMES, ValueType,
  type OptionType, type OptionUnit
} from './constants.js'
import { invalidError, protocolError } from './errors.js'

/** An option descriptor as decoded from the wire, numbers still raw words. */
export interface WireDescriptor {
  name: string | null
  title: string | null
  desc: string | null
  type: number
  unit: number
  size: number
  cap: number
  constraintType: number
  range?: { min: number, max: number, quant: number } | null
  wordList?: number[]
  stringList?: string[]
}

export type OptionConstraint =
  | { type: 'none' }
  | { type: 'range', min: number, max: number, quant: number }
  | { type: 'wordList', values: number[] }
  | { type: 'stringList', values: string[] }

export interface OptionCapabilities {
  softSelect: boolean
  hardSelect: boolean
  softDetect: boolean
  emulated: boolean
  automatic: boolean
  inactive: boolean
  advanced: boolean
}

export interface OptionDescriptor {
  /** Position in the backend's option array (the number CONTROL_OPTION uses). */
  index: number
  /** Empty for groups. */
  name: string
  title: string
  description: string
  type: OptionType
  unit: OptionUnit
  /** Value size in bytes as the backend declares it. */
  size: number
  /** Number of elements for bool/int/fixed (size / 4); 1 otherwise. Above 1 the value is an array. */
  length: number
  /** Raw SANE_CAP_* bits. */
  cap: number
  capabilities: OptionCapabilities
  constraint: OptionConstraint
  /** Not INACTIVE. */
  active: boolean
  /** Active and SOFT_SELECT: the frontend may set it. */
  settable: boolean
  /** Active, SOFT_DETECT and a type with a value: the frontend may read it. */
  readable: boolean
}

export type OptionValue = boolean | number | string | boolean[] | number[]

/** What CONTROL_OPTION carries for a value: words for bool/int/fixed, text for strings, nothing else. */
export type WireValue = { words: number[] } | { text: string } | { none: true }

const FIXED_MIN = -32768
const FIXED_MAX = 32767 + (FIXED_SCALE - 1) / FIXED_SCALE

export function toFixed (value: number): number {
  return Math.round(value * FIXED_SCALE)
}

export function fromFixed (word: number): number {
  return word / FIXED_SCALE
}

export function describeOption (index: number, wire: WireDescriptor): OptionDescriptor {
  const type = VALUE_TYPE_NAMES[wire.type]
  if (type === undefined) throw protocolError('unknown-value-type', { index, type: wire.type })
  const unit = UNIT_NAMES[wire.unit] ?? 'none'
  const cap = wire.cap
  const capabilities: OptionCapabilities = {
    softSelect: (cap & Cap.SOFT_SELECT) !== 0,
    hardSelect: (cap & Cap.HARD_SELECT) !== 0,
    softDetect: (cap & Cap.SOFT_DETECT) !== 0,
    emulated: (cap & Cap.EMULATED) !== 0,
    automatic: (cap & Cap.AUTOMATIC) !== 0,
    inactive: (cap & Cap.INACTIVE) !== 0,
    advanced: (cap & Cap.ADVANCED) !== 0
  }
  const isWordType = wire.type === ValueType.BOOL || wire.type === ValueType.INT || wire.type === ValueType.FIXED
  const scale = wire.type === ValueType.FIXED ? fromFixed : (w: number) => w
  let constraint: OptionConstraint = { type: 'none' }
  if (wire.constraintType === Constraint.RANGE && wire.range != null) {
    constraint = { type: 'range', min: scale(wire.range.min), max: scale(wire.range.max), quant: scale(wire.range.quant) }
  } else if (wire.constraintType === Constraint.WORD_LIST && wire.wordList !== undefined) {
    constraint = { type: 'wordList', values: wire.wordList.map(scale) }
  } else if (wire.constraintType === Constraint.STRING_LIST && wire.stringList !== undefined) {
    constraint = { type: 'stringList', values: wire.stringList }
  }
  const active = !capabilities.inactive
  return {
    index,
    name: wire.name ?? '',
    title: wire.title ?? '',
    description: wire.desc ?? '',
    type,
    unit,
    size: wire.size,
    length: isWordType ? Math.max(1, Math.floor(wire.size / 4)) : 1,
    cap,
    capabilities,
    constraint,
    active,
    settable: active && capabilities.softSelect && type !== 'group',
    readable: active && capabilities.softDetect && type !== 'group' && type !== 'button'
  }
}

/** Decodes a value read back from CONTROL_OPTION. */
export function decodeValue (desc: OptionDescriptor, raw: WireValue): OptionValue | null {
  if ('none' in raw) return null
  if ('text' in raw) return raw.text
  const values = raw.words
  const one = (w: number): boolean | number => desc.type === 'bool' ? w !== 0 : desc.type === 'fixed' ? fromFixed(w) : w
  if (desc.length === 1 && values.length === 1) return one(values[0])
  return values.map(one) as boolean[] | number[]
}

/**
 * Checks `value` against the descriptor and returns what to send. Throws SANE_INVALID (details.reason says
 * why) for a value the backend would have to refuse.
 */
export function encodeValue (desc: OptionDescriptor, value: unknown): WireValue {
  const context = { option: desc.name }
  if (desc.type === 'group') throw invalidError('group', context)
  if (!desc.active) throw invalidError('inactive', context)
  if (!desc.capabilities.softSelect) throw invalidError('read-only', context)
  switch (desc.type) {
    case 'button':
      if (value !== undefined && value !== null && value !== true) throw invalidError('button-takes-no-value', context)
      return { none: true }
    case 'string':
      return { text: checkString(desc, value) }
    default:
      return { words: elements(desc, value).map(v => checkWord(desc, v)) }
  }
}

/**
 * The value_size of a CONTROL_OPTION request. Strings always travel at the declared size, NUL-padded:
 * saned hands our buffer to the backend, which may write a longer (adjusted) value back into it.
 */
export function valueSize (desc: OptionDescriptor, value: WireValue): number {
  if ('none' in value) return 0
  if ('text' in value) return desc.size
  return value.words.length * 4
}

function elements (desc: OptionDescriptor, value: unknown): unknown[] {
  const list = Array.isArray(value) ? value : [value]
  if (list.length !== desc.length) {
    throw invalidError('wrong-length', { option: desc.name, expected: desc.length, got: list.length })
  }
  return list
}

function checkWord (desc: OptionDescriptor, value: unknown): number {
  const context = { option: desc.name, value }
  let word: number
  if (desc.type === 'bool') {
    if (typeof value !== 'boolean') throw invalidError('not-a-boolean', context)
    return value ? 1 : 0
  } else if (desc.type === 'int') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw invalidError('not-an-integer', context)
    }
    word = value
  } else {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < FIXED_MIN || value > FIXED_MAX) {
      throw invalidError('not-a-fixed-point-number', context)
    }
    word = toFixed(value)
  }
  const c = desc.constraint
  const asWord = desc.type === 'fixed' ? toFixed : (v: number) => v
  if (c.type === 'range' && (word < asWord(c.min) || word > asWord(c.max))) {
    throw invalidError('out-of-range', { ...context, min: c.min, max: c.max })
  }
  if (c.type === 'wordList' && !c.values.some(v => asWord(v) === word)) {
    throw invalidError('not-in-list', { ...context, allowed: c.values })
  }
  return word
}

function checkString (desc: OptionDescriptor, input: unknown): string {
  const context = { option: desc.name }
  if (typeof input !== 'string') throw invalidError('not-a-string', context)
  if (input.includes('\0')) throw invalidError('nul-in-string', context)
  let value = input
  const c = desc.constraint
  if (c.type === 'stringList' && !c.values.includes(value)) {
    // Accept a different letter case when it names exactly one entry ("color" -> "Color"), as sanei does.
    const matches = c.values.filter(v => v.toLowerCase() === value.toLowerCase())
    if (matches.length !== 1) throw invalidError('not-in-list', { ...context, value, allowed: c.values })
    value = matches[0]
  }
  if (Buffer.byteLength(value, 'utf8') + 1 > desc.size) {
    throw invalidError('too-long', { ...context, maxBytes: desc.size - 1 })
  }
  return value
}
