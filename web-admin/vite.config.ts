// Builds the web admin into web-admin/dist (served by the appliance at /). Everything is bundled: no CDN, no
// external fonts. Gzipped copies of the text assets are written beside them for @fastify/static's preCompressed.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import preact from '@preact/preset-vite'
import { defineConfig, type Plugin } from 'vite'

function gzipCopies (dir: string): Plugin {
  return {
    name: 'sohoa-gzip-copies',
    apply: 'build',
    closeBundle () {
      const walk = (d: string): void => {
        for (const entry of readdirSync(d, { withFileTypes: true })) {
          const path = join(d, entry.name)
          if (entry.isDirectory()) walk(path)
          else if (/\.(js|css|html|svg)$/.test(entry.name)) writeFileSync(path + '.gz', gzipSync(readFileSync(path), { level: 9 }))
        }
      }
      walk(dir)
    }
  }
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact({ prerender: { enabled: false } }), gzipCopies(join(import.meta.dirname, 'dist'))],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: true,
    // No inline data: URLs (the page's CSP allows scripts and styles from the appliance only).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false }
  }
})
