#!/usr/bin/env node
// Idempotent fix of @libp2p/pnet 3.0.27 (js-libp2p PR #3585, merged upstream, not yet released): without a bound
// on the message size the xsalsa20 WASM memory grows until large transfers over a private network die with
// "WebAssembly.Memory.grow(): Maximum memory size exceeded". Run after every `npm ci` (bootstrap.sh does).
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const file = join(root, 'node_modules', '@libp2p', 'pnet', 'dist', 'src', 'index.js')
if (!existsSync(file)) process.exit(0)
const source = readFileSync(file, 'utf8')
if (source.includes('maxMessageSize')) process.exit(0) // patched, or a release that has the fix
const anchor = 'maConn: bytes.unwrap(),'
if (!source.includes(anchor)) {
  process.stderr.write('sohoa: @libp2p/pnet changed shape; the maxMessageSize patch was not applied (check the upstream fix)\n')
  process.exit(0)
}
writeFileSync(file, source.replace(anchor, `${anchor}\n            maxMessageSize: 65536,`))
process.stderr.write('sohoa: patched @libp2p/pnet (maxMessageSize 65536)\n')
