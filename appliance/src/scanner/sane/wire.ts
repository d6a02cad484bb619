/**
 * The SANE wire encoding: every primitive is a big-endian 32-bit word; a string is a char array whose length
 * word counts the trailing NUL (length 0 = NULL string); a pointer is a word that is 1 for NULL, 0 otherwise,
 * followed by the value when not NULL; an array is a length word followed by its elements.
 * Strings are sent and read as UTF-8 bytes: C backends treat them as opaque bytes, and file names may not be
 * Latin-1.
 */
import { MAX_ARRAY_LENGTH, MAX_STRING_BYTES } from './constants.js'
import { protocolError } from './errors.js'

export class WireWriter {
  private readonly parts: Buffer[] = []

  word (value: number): this {
    const b = Buffer.allocUnsafe(4)
    if (value < 0) b.writeInt32BE(value)
    else b.writeUInt32BE(value >>> 0)
    this.parts.push(b)
    return this
  }

  bool (value: boolean): this {
    return this.word(value ? 1 : 0)
  }

  /** A SANE_String: NULL for null, else the bytes plus a NUL. */
  string (value: string | null): this {
    if (value === null) return this.word(0)
    const bytes = Buffer.from(value, 'utf8')
    this.word(bytes.length + 1)
    this.parts.push(bytes, Buffer.alloc(1))
    return this
  }

  /** A char array of exactly `size` bytes holding `value` NUL-padded (an option value of type string). */
  charArray (value: string, size: number): this {
    const b = Buffer.alloc(size)
    b.write(value, 'utf8')
    this.word(size)
    this.parts.push(b)
    return this
  }

  /** An array of words. */
  words (values: readonly number[]): this {
    this.word(values.length)
    for (const v of values) this.word(v)
    return this
  }

  toBuffer (): Buffer {
    return Buffer.concat(this.parts)
  }
}

/** Where a WireReader gets its bytes (a socket, or a buffer in tests). */
export interface ByteSource {
  read: (n: number) => Promise<Buffer>
}

/** A ByteSource over a Buffer, for decoding what is already in memory. */
export function bufferSource (buffer: Buffer): ByteSource {
  let offset = 0
  return {
    read: async (n: number) => {
      if (offset + n > buffer.length) throw protocolError('short-message', { wanted: n, left: buffer.length - offset })
      const out = buffer.subarray(offset, offset + n)
      offset += n
      return out
    }
  }
}

export class WireReader {
  constructor (private readonly source: ByteSource) {}

  /** A signed 32-bit word (SANE_Word, SANE_Int, SANE_Fixed, enums). */
  async word (): Promise<number> {
    return (await this.source.read(4)).readInt32BE(0)
  }

  /** An unsigned 32-bit word (lengths, byte-order markers). */
  async uword (): Promise<number> {
    return (await this.source.read(4)).readUInt32BE(0)
  }

  async bool (): Promise<boolean> {
    return (await this.word()) !== 0
  }

  async string (): Promise<string | null> {
    const length = await this.length('string', MAX_STRING_BYTES)
    if (length === 0) return null
    const bytes = await this.source.read(length)
    const nul = bytes.indexOf(0)
    return bytes.toString('utf8', 0, nul === -1 ? bytes.length : nul)
  }

  /** A char array as sent for string option values: the text up to the first NUL. */
  async charArray (): Promise<string> {
    return (await this.string()) ?? ''
  }

  async pointer<T> (value: () => Promise<T>): Promise<T | null> {
    const isNull = await this.word()
    if (isNull !== 0 && isNull !== 1) throw protocolError('bad-pointer-flag', { flag: isNull })
    return isNull === 1 ? null : await value()
  }

  async array<T> (element: () => Promise<T>): Promise<T[]> {
    const length = await this.length('array', MAX_ARRAY_LENGTH)
    const out: T[] = []
    for (let i = 0; i < length; i++) out.push(await element())
    return out
  }

  async words (): Promise<number[]> {
    return await this.array(async () => await this.word())
  }

  private async length (what: string, max: number): Promise<number> {
    const length = await this.uword()
    if (length > max) throw protocolError('length-too-large', { what, length, max })
    return length
  }
}
