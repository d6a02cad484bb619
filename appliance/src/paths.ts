/** Where the package's own files are, the same from `appliance/src` (ts) and `dist/appliance/src` (js). */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot (from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('sohoa: package.json not found above ' + from)
    dir = up
  }
  return dir
}

export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))
export const SHIPPED_DATA = join(PACKAGE_ROOT, 'appliance', 'data')
/** The built web admin (`npm run build:web`, Vite's output). */
export const WEB_ADMIN_ROOT = join(PACKAGE_ROOT, 'web-admin', 'dist')
