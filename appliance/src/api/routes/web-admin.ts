/**
 * The web admin (the built single-page app in `web-admin/dist`) at `/`. Hashed assets are cached for good,
 * `index.html` is revalidated each time, and a deep link (`/tra-cuu/…`) gets `index.html` so the app routes it;
 * unknown `/api/…` paths and missing files stay JSON 404s. Gzipped copies made by the build are preferred.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors/index.js'
import { WEB_ADMIN_ROOT } from '../../paths.js'

/** Scripts and styles only from the appliance itself; PDFs of records may be framed, the app itself may not be. */
const CSP = [
  "default-src 'self'", "img-src 'self' blob: data:", "style-src 'self'", "script-src 'self'", "connect-src 'self'",
  "frame-src 'self'", "object-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"
].join('; ')

export default async function webAdminRoutes (app: FastifyInstance, opts: { root?: string } = {}): Promise<void> {
  const root = opts.root ?? WEB_ADMIN_ROOT
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'web admin not built (npm run build:web): / shows a notice')
    app.get('/', async (_request, reply) => await reply.type('text/plain; charset=utf-8')
      .send('Giao diện quản trị chưa được dựng: hãy chạy `npm run build`.\nThe web admin is not built: run `npm run build`.\n'))
    return
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: ['index.html'],
    preCompressed: true,
    setHeaders: (reply, path) => {
      void reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
      if (/\.html(\.gz|\.br)?$/.test(path)) void reply.header('content-security-policy', CSP)
    }
  })
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0]
    // Only page routes of the app fall back; an API path or a file name that is not there is a real 404.
    if (path.startsWith('/api/') || /\.[A-Za-z0-9]{1,8}$/.test(path)) throw new AppError('NOT_FOUND', { path })
    return await reply.header('cache-control', 'no-cache').header('content-security-policy', CSP).sendFile('index.html')
  })
}
