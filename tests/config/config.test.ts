import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import t from 'tap'
import { loadConfig, DEFAULTS } from '../../appliance/src/config/index.js'
import { tempDir } from '../helpers/tmp.js'

t.test('embedded defaults', async t => {
  const c = loadConfig({ env: {} })
  t.equal(c.port, 8080)
  t.equal(c.dataDir, resolve('./data'))
  t.equal(c.ocrWorkers, DEFAULTS.ocrWorkers)
  t.equal(c.maxUploadBytes, 100 * 1024 * 1024)
})

t.test('file, then environment, then overrides', async t => {
  const dir = await tempDir(t)
  const file = join(dir, 'sohoa.json')
  await writeFile(file, JSON.stringify({ port: 9000, ocrWorkers: 1, host: '127.0.0.1' }))
  const c = loadConfig({ env: { SOHOA_CONFIG: file, SOHOA_PORT: '9100', SOHOA_DATA_DIR: dir }, overrides: { host: '::1' } })
  t.equal(c.port, 9100, 'environment wins over the file')
  t.equal(c.ocrWorkers, 1, 'the file wins over defaults')
  t.equal(c.host, '::1', 'the command line wins over all')
  t.equal(c.dataDir, dir)
})

t.test('bad values stop the start with the setting named', async t => {
  t.match(problemsOf(() => loadConfig({ env: { SOHOA_PORT: 'tám nghìn' } })), /SOHOA_PORT/)
  t.throws(() => loadConfig({ env: { SOHOA_OCR_WORKERS: '0' } }), { code: 'CONFIG_INVALID' })
  t.throws(() => loadConfig({ env: { SOHOA_ADMIN_PASSWORD: 'short' } }), { code: 'CONFIG_INVALID' })
  const dir = await tempDir(t)
  await writeFile(join(dir, 'bad.json'), '{ not json')
  t.throws(() => loadConfig({ file: join(dir, 'bad.json'), env: {} }), { code: 'CONFIG_INVALID' })
  await writeFile(join(dir, 'typo.json'), JSON.stringify({ prot: 1 }))
  t.match(problemsOf(() => loadConfig({ file: join(dir, 'typo.json'), env: {} })), /prot/, 'unknown keys are refused, not ignored')
  t.throws(() => loadConfig({ file: join(dir, 'missing.json'), env: {} }), { code: 'CONFIG_INVALID' })
})

function problemsOf (fn: () => unknown): string {
  try {
    fn()
  } catch (err: any) {
    if (err.code === 'CONFIG_INVALID') return err.details.problems.join('\n')
    throw err
  }
  throw new Error('expected CONFIG_INVALID')
}

t.test('lists from the environment: saned hosts and watched folders; FTP settings', async t => {
  const c = loadConfig({ env: { SOHOA_SANED_HOSTS: '127.0.0.1:6566, scanner-2', SOHOA_WATCH_FOLDERS: '622:/srv/scan/pleiku,623:/srv/scan/ankhe', SOHOA_FTP_ENABLED: 'true', SOHOA_FTP_PORT: '2221' } })
  t.same(c.sanedHosts, ['127.0.0.1:6566', 'scanner-2'])
  t.same(c.watchFolders.map(w => [w.unit, w.path]), [['622', '/srv/scan/pleiku'], ['623', '/srv/scan/ankhe']])
  t.equal(c.ftp.enabled, true)
  t.equal(c.ftp.port, 2221)
  t.equal(c.ftp.pasvMin, 30000)
  t.same(loadConfig({ env: {} }).sanedHosts, ['127.0.0.1:6566'])
  t.throws(() => loadConfig({ env: { SOHOA_SANED_HOSTS: 'bad host!' } }), { code: 'CONFIG_INVALID' })
})

t.test('replication poll interval and secure cookie: defaults, environment, bad values named', async t => {
  const c = loadConfig({ env: {} })
  t.equal(c.syncPollMs, 10_000, 'the sync default')
  t.equal(c.secureCookie, false)
  const set = loadConfig({ env: { SOHOA_SYNC_POLL_MS: '500', SOHOA_SECURE_COOKIE: 'true' } })
  t.equal(set.syncPollMs, 500)
  t.equal(set.secureCookie, true)
  t.match(problemsOf(() => loadConfig({ env: { SOHOA_SYNC_POLL_MS: '5' } })), /SOHOA_SYNC_POLL_MS/, 'too often: refused, not ignored')
  t.match(problemsOf(() => loadConfig({ env: { SOHOA_SYNC_POLL_MS: 'nhanh' } })), /SOHOA_SYNC_POLL_MS/)
})
