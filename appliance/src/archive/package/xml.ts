/**
 * A very small XML writer: elements as nested arrays, every text and attribute escaped, characters XML 1.0 cannot
 * carry (controls, lone surrogates, U+FFFE/U+FFFF) replaced by U+FFFD, so the output is always well-formed whatever
 * OCR or a reviewer put in a field.
 */

export type XmlAttrs = Record<string, string | number | null | undefined>
/** `[name, attrs?, ...children]`; a string child is text. */
export type XmlNode = string | [string, XmlAttrs?, ...XmlNode[]] | null | undefined | false

// Outside XML 1.0's Char production: C0 controls but tab/LF/CR, lone surrogates, U+FFFE and U+FFFF.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export function xmlText (s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

export function xmlAttr (s: string): string {
  // Tabs and line breaks in attributes are normalised to spaces by parsers: keep them as character references.
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;')
}

function attrs (a: XmlAttrs | undefined): string {
  if (!a) return ''
  let out = ''
  for (const [k, v] of Object.entries(a)) if (v !== null && v !== undefined) out += ` ${k}="${xmlAttr(String(v))}"`
  return out
}

/** Serialises a tree, indented by two spaces per level (text-only elements stay on one line). */
export function xml (node: XmlNode, depth = 0): string {
  if (node === null || node === undefined || node === false) return ''
  const pad = '  '.repeat(depth)
  if (typeof node === 'string') return pad + xmlText(node)
  const [name, a, ...children] = node
  const kids = children.filter(c => c !== null && c !== undefined && c !== false)
  if (kids.length === 0) return `${pad}<${name}${attrs(a)}/>`
  if (kids.every(c => typeof c === 'string')) return `${pad}<${name}${attrs(a)}>${kids.map(c => xmlText(c as string)).join('')}</${name}>`
  return `${pad}<${name}${attrs(a)}>\n${kids.map(c => xml(c, depth + 1)).join('\n')}\n${pad}</${name}>`
}

export function xmlDocument (root: XmlNode): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${xml(root)}\n`, 'utf8')
}

/** A METS/PREMIS ID (xsd:ID is an NCName): letters, digits, `-`, `_`, `.`, never starting with a digit. */
export function xmlId (prefix: string, value: string | number): string {
  return `${prefix}-${String(value).replace(/[^A-Za-z0-9_.-]/g, '_')}`
}
