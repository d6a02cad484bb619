// The `sohoa` command, as an operator runs it: against a stopped node (offline) and a running one (control socket).
import { execFile } from 'node:child_process'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { ROOT, startAppliance } from '../helpers/appliance.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'

const run = promisify(execFile)

async function sohoa (dataDir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin', 'sohoa.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', SOHOA_DATA_DIR: dataDir, SOHOA_ADMIN_PASSWORD: 'mat-khau-quan-tri', ...env }
    })
    return { code: 0, stdout, stderr }
  } catch (err: any) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

t.test('offline: tokens, users, units and a resumable import', async t => {
  const dataDir = await tempDir(t)
  const token = await sohoa(dataDir, ['token', 'create', '--name', 'máy photocopy', '--scope', 'ingest'])
  t.equal(token.code, 0, token.stderr)
  t.match(token.stdout.trim(), /^sohoa_[A-Za-z0-9_-]{40,}$/)
  const list = JSON.parse((await sohoa(dataDir, ['token', 'list'])).stdout)
  t.match(list, [{ name: 'máy photocopy', scope: 'ingest' }])
  t.notOk(JSON.stringify(list).includes(token.stdout.trim()), 'the secret is never listed')

  const user = await sohoa(dataDir, ['user', 'add', 'kiemtra', '--role', 'reviewer', '--password', 'mat-khau-kiem-tra'])
  t.equal(user.code, 0, user.stderr)
  t.match(JSON.parse(user.stdout), { username: 'kiemtra', roles: ['reviewer'] })
  const dup = await sohoa(dataDir, ['user', 'add', 'kiemtra', '--role', 'reviewer', '--password', 'mat-khau-kiem-tra'])
  t.equal(dup.code, 1)
  t.match(dup.stderr, /Tên đăng nhập đã tồn tại/)

  const unit = await sohoa(dataDir, ['unit', 'add', '--code', '23584', '--name', 'Xã Ia Dêr', '--level', 'commune', '--parent', '628'])
  t.equal(unit.code, 0, unit.stderr)
  const units = JSON.parse((await sohoa(dataDir, ['unit', 'list'])).stdout)
  t.equal(units.length, 19, 'the province, its 17 districts and the added commune')

  const scans = await tempDir(t)
  await mkdir(join(scans, 'hop-01'))
  await copyFile(join(CORPUS, '0003.jpg'), join(scans, '0003.jpg'))
  await copyFile(join(CORPUS, '0004.jpg'), join(scans, 'hop-01', '0004.JPG'))
  await writeFile(join(scans, 'ghi-chu.txt'), 'not a scan')
  await writeFile(join(scans, 'hong.jpg'), (await readFile(join(CORPUS, '0005.jpg'))).subarray(0, 5000))
  const first = await sohoa(dataDir, ['import', scans, '--unit', '23584', '--no-progress'])
  t.equal(first.code, 2, 'exit 2: some files failed')
  const summary = JSON.parse(first.stdout)
  t.match(summary, { batchId: /^b_/, imported: 2, skipped: 0, failed: [{ file: /hong\.jpg$/, reason: /cắt cụt/ }] })
  t.match(first.stderr, /Đã nhập 2, bỏ qua 0/)
  const second = JSON.parse((await sohoa(dataDir, ['import', scans, '--unit', '23584', '--no-progress'])).stdout)
  t.match(second, { imported: 0, skipped: 2 }, 'a rerun skips what is already there')

  const bad = await sohoa(dataDir, ['import', scans, '--unit', '00000', '--no-progress'])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /Không tìm thấy đơn vị/)
  const config = await sohoa(dataDir, ['token', 'list'], { SOHOA_PORT: 'abc' })
  t.equal(config.code, 78, 'bad configuration: EX_CONFIG')
  t.match(config.stderr, /Cấu hình không hợp lệ \/ Invalid configuration/)
  t.match(config.stderr, /SOHOA_PORT/)
})

t.test('while the appliance runs: the CLI goes through its control socket', async t => {
  const dataDir = await tempDir(t)
  const app = await startAppliance({ dataDir })
  t.teardown(() => app.stop())
  const token = await sohoa(dataDir, ['token', 'create', '--name', 'cổng DVC', '--scope', 'read'])
  t.equal(token.code, 0, token.stderr)
  const res = await fetch(`${app.url}/api/v1/records`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } })
  t.equal(res.status, 200, 'a token made by the CLI works on the running server at once')
  const scans = await tempDir(t)
  await copyFile(join(CORPUS, '0006.jpg'), join(scans, '0006.jpg'))
  const imported = await sohoa(dataDir, ['import', scans, '--unit', '622', '--no-progress'])
  t.equal(imported.code, 0, imported.stderr)
  t.match(JSON.parse(imported.stdout), { imported: 1 })
  const records = await (await fetch(`${app.url}/api/v1/records`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } })).json() as any
  t.match(records.records, [{ filename: /0006\.jpg$/, pageCount: 1 }])
})
