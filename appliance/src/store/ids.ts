import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'

/**
 * Time-ordered identifiers (48-bit milliseconds + 64 random bits, Crockford base32, lower case), so keys of one
 * kind iterate in creation order. The prefix says what the id names: `r` record, `p` page, `b` batch, `t` token.
 */
export function newId (prefix: string): string {
  let time = Date.now()
  let head = ''
  for (let i = 0; i < 10; i++) { head = ALPHABET[time % 32] + head; time = Math.floor(time / 32) }
  let tail = ''
  for (const byte of randomBytes(13)) tail += ALPHABET[byte % 32]
  return `${prefix}_${head}${tail}`
}

/** The smallest key prefix of ids of `prefix` made at or after `ms`: a range bound for time-ordered keys. */
export function idFloor (prefix: string, ms: number): string {
  let time = Math.max(0, Math.floor(ms))
  let head = ''
  for (let i = 0; i < 10; i++) { head = ALPHABET[time % 32] + head; time = Math.floor(time / 32) }
  return `${prefix}_${head}`
}

export function isId (value: string, prefix: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{23}$`).test(value)
}
