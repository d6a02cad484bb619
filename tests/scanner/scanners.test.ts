/**
 * Listing scanners and their profiles: every device of every configured saned (a host where nobody listens
 * is listed as unreachable with its error), stable URL-safe ids, options with constraints and current
 * values, profile defaults that meet the standard, and profile changes checked against the device.
 */
import { createServer } from 'node:net'
import t from 'tap'
import { buildApi } from '../../appliance/src/api/index.js'
import { checkProfile, defaultProfile, parseSanedHost, scannerId, standardProblems, type OptionDescriptor } from '../../appliance/src/scanner/index.js'
import { startSaned } from '../helpers/saned.js'
import { ADF, batchPages, logger, openHarness, startScan, waitForStatus } from './setup.js'

async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

t.test('GET /api/v1/scanners lists every device of every host', async t => {
  const dead = `127.0.0.1:${await closedPort()}`
  const h = await openHarness(t, { extraHosts: [dead] })

  const quick = (await h.app.inject({ url: '/api/v1/scanners?options=false' })).json()
  t.ok(quick.scanners.every((s: any) => s.options === undefined && s.profile === null), 'options=false opens no device')

  const res = await h.app.inject({ url: '/api/v1/scanners' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(body.hosts.map((x: any) => [x.host, x.state]), [[`127.0.0.1:${h.saned.port}`, 'reachable'], [dead, 'unreachable']])
  t.match(body.hosts[1].error, { code: 'SANE_UNREACHABLE', message: /Không kết nối/, messageEn: /Cannot reach/, details: { reason: 'ECONNREFUSED' } })
  t.same(body.scanners.map((s: any) => s.device).sort(), ['pnm:0', 'pnm:1', 'test:0', 'test:1'])

  const test0 = body.scanners.find((s: any) => s.device === 'test:0')
  t.match(test0, { id: h.id('test:0'), host: `127.0.0.1:${h.saned.port}`, vendor: 'Noname', model: 'frontend-tester', type: 'virtual device', state: 'ready' })
  t.match(test0.id, /^[A-Za-z0-9_-]+$/, 'the id is URL-safe')
  t.equal(new Set(body.scanners.map((s: any) => s.id)).size, 4, 'ids are distinct')
  const again = (await h.app.inject({ url: '/api/v1/scanners?options=false' })).json()
  t.same(again.scanners.map((s: any) => s.id).sort(), body.scanners.map((s: any) => s.id).sort(), 'ids are stable')

  const resolution = test0.options.find((o: any) => o.name === 'resolution')
  t.match(resolution, { title: /resolution/i, type: 'fixed', unit: 'dpi', group: 'Scan Mode', constraint: { type: 'range', min: 1, max: 1200, quant: 1 }, value: 50, settable: true })
  t.match(test0.options.find((o: any) => o.name === 'source'), { type: 'string', constraint: { type: 'stringList', values: ['Flatbed', ADF] }, value: 'Flatbed' })
  t.notOk(test0.options.some((o: any) => o.type === 'group' || o.name === ''), 'groups are folded into `group`')
  t.ok(test0.options.some((o: any) => o.active === false && o.value === undefined), 'inactive options have no value')
  t.same(test0.profile, { source: ADF, mode: 'Color', depth: 8, resolution: 300 }, 'default profile: feeder, colour, 24-bit, 300 dpi')
  t.same(test0.standardProblems, [])

  const one = await h.app.inject({ url: `/api/v1/scanners/${h.id('pnm:0')}` })
  t.match(one.json(), { device: 'pnm:0', state: 'ready', vendor: 'Noname' })
  for (const id of [h.id('test:7'), Buffer.from('10.0.0.1:6566/test:0').toString('base64url'), 'not%2Fbase64', 'AAAA']) {
    const res = await h.app.inject({ url: `/api/v1/scanners/${id}` })
    t.equal(res.statusCode, res.statusCode === 400 ? 400 : 404, `${id}: ${res.statusCode}`)
    t.ok(['SANE_UNKNOWN_DEVICE', 'VALIDATION'].includes(res.json().error))
  }
})

t.test('a saned seen before and now down: its scanners are listed as unreachable', async t => {
  const other = await startSaned({ backends: ['test'], files: { 'test.conf': 'number_of_devices 1\nresolution 50.0\n' } })
  t.teardown(other.stop)
  const h = await openHarness(t, { extraHosts: [`${other.host}:${other.port}`] })
  const up = (await h.app.inject({ url: '/api/v1/scanners' })).json()
  const mine = (s: any): boolean => s.host === `127.0.0.1:${other.port}`
  t.same(up.scanners.filter(mine).map((s: any) => [s.device, s.state]), [['test:0', 'ready']])
  await other.stop()
  const down = (await h.app.inject({ url: '/api/v1/scanners' })).json()
  t.match(down.hosts[1], { state: 'unreachable', error: { code: 'SANE_UNREACHABLE' } })
  const gone = down.scanners.filter(mine)
  t.same(gone.map((s: any) => [s.device, s.state, s.error.code]), [['test:0', 'unreachable', 'SANE_UNREACHABLE']])
  t.ok(gone[0].options.length > 10, 'with the options last read')
  t.equal(down.scanners.filter((s: any) => !mine(s)).length, 4, 'the other host is unaffected')
})

t.test('PUT /api/v1/scanners/:id/profile: checked against the device, stored, used by the next batch', async t => {
  const h = await openHarness(t)
  const url = `/api/v1/scanners/${h.id()}/profile`
  const put = async (payload: Record<string, unknown>) => await h.app.inject({ method: 'PUT', url, payload })

  const refused: Array<[Record<string, unknown>, string, string]> = [
    [{ resolution: 5000 }, 'SANE_INVALID', 'out-of-range'],
    [{ resolution: 300.5 }, 'SANE_INVALID', 'off-step'],
    [{ mode: 'Sepia' }, 'SANE_INVALID', 'not-in-list'],
    [{ source: 'Transparency unit' }, 'SANE_INVALID', 'not-in-list'],
    [{ depth: 12 }, 'SANE_INVALID', 'not-in-list'],
    [{ duplex: true }, 'SANE_INVALID', 'no-duplex-option']
  ]
  for (const [body, code, reason] of refused) {
    const res = await put(body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.match(res.json(), { error: code, details: { reason } })
  }
  t.equal((await put({ brightness: 3 })).json().error, 'VALIDATION', 'unknown fields are refused')

  const ok = await put({ mode: 'gray', resolution: 75, source: 'automatic document feeder' })
  t.equal(ok.statusCode, 200, ok.body)
  t.match(ok.json().profile, { mode: 'Gray', resolution: 75, source: ADF, depth: 8 }, 'canonical spelling; left-out fields take defaults')
  t.same(ok.json().standardProblems, ['not-colour', 'below-200-dpi'], 'what the standard would not accept is pointed out')
  t.same((await h.app.inject({ url: `/api/v1/scanners/${h.id()}` })).json().profile, ok.json().profile, 'stored')
  t.same((await h.app.inject({ url: `/api/v1/scanners/${h.id('test:1')}` })).json().profile.mode, 'Color', 'per scanner')

  const batchId = await startScan(t, h, {})
  await waitForStatus(h.store, batchId, 'finished')
  const pages = await batchPages(h.store, batchId)
  t.equal(pages.length, 10, 'the profile\'s feeder source')
  t.same([pages[0].dpi, pages[0].width], [75, 236], 'the profile\'s resolution')
  const override = await startScan(t, h, { resolution: 50, source: 'Flatbed' })
  await waitForStatus(h.store, override, 'finished')
  t.same((await batchPages(h.store, override)).map(p => p.dpi), [50], 'request fields override the profile')
})

t.test('permissions: read lists, ingest scans, admin changes profiles', async t => {
  const h = await openHarness(t)
  const app = await buildApi({ services: h.services, logger, local: false })
  t.teardown(async () => await app.close())
  const tokens = Object.fromEntries(await Promise.all((['read', 'ingest', 'admin'] as const).map(async scope =>
    [scope, (await h.services.auth.createToken({ name: scope, scope, createdBy: 'test' })).secret])))
  const call = async (method: 'GET' | 'PUT' | 'POST', url: string, scope?: string, payload?: object): Promise<number> =>
    (await app.inject({ method, url, payload, headers: scope === undefined ? {} : { authorization: `Bearer ${tokens[scope]}` } })).statusCode
  t.equal(await call('GET', '/api/v1/scanners?options=false'), 401)
  t.equal(await call('GET', '/api/v1/scanners?options=false', 'read'), 200)
  t.equal(await call('PUT', `/api/v1/scanners/${h.id()}/profile`, 'ingest', { resolution: 300 }), 403)
  t.equal(await call('PUT', `/api/v1/scanners/${h.id()}/profile`, 'admin', { resolution: 300 }), 200)
  t.equal(await call('POST', `/api/v1/scanners/${h.id()}/scan`, 'read', { unit: '622' }), 403)
  t.equal(await call('POST', '/api/v1/batches/b_00000000000000000000000/resume', 'read'), 403)
  t.equal(await call('POST', '/api/v1/batches/b_00000000000000000000000/cancel', 'ingest'), 404)
})

t.test('profile defaults for other devices', async t => {
  const opt = (name: string, type: OptionDescriptor['type'], constraint: OptionDescriptor['constraint']): OptionDescriptor => ({
    index: 1, name, title: name, description: '', type, unit: name === 'resolution' ? 'dpi' : 'none', size: 4, length: 1, cap: 5,
    capabilities: { softSelect: true, hardSelect: false, softDetect: true, emulated: false, automatic: false, inactive: false, advanced: false },
    constraint, active: true, settable: true, readable: true
  })
  const words = (values: number[]): OptionDescriptor => opt('resolution', 'int', { type: 'wordList', values })
  t.equal(defaultProfile([words([75, 150, 300, 600])]).resolution, 300)
  t.equal(defaultProfile([words([75, 150, 200, 400, 600])]).resolution, 400, 'nearest to 300; a tie goes up (OCR prefers more)')
  t.equal(defaultProfile([words([75, 150, 240, 600])]).resolution, 240, 'nearest to 300 that is still 200 or more')
  t.equal(defaultProfile([words([75, 100, 150])]).resolution, 150, 'a device below 200 dpi gives its best')
  t.same(standardProblems(defaultProfile([words([75, 100, 150])])), ['below-200-dpi'])
  t.equal(defaultProfile([opt('resolution', 'int', { type: 'range', min: 100, max: 1200, quant: 7 })]).resolution, 303, 'on the range\'s step')
  t.equal(defaultProfile([opt('resolution', 'int', { type: 'range', min: 50, max: 250, quant: 0 })]).resolution, 250)

  const device = [
    opt('mode', 'string', { type: 'stringList', values: ['Lineart', 'Gray', '24bit Color[Fast]', '24bit Color'] }),
    opt('source', 'string', { type: 'stringList', values: ['Flatbed', 'ADF Duplex', 'ADF Front'] }),
    opt('depth', 'int', { type: 'wordList', values: [1, 8, 16] }),
    opt('duplex', 'bool', { type: 'none' }),
    words([100, 200, 300])
  ]
  t.same(defaultProfile(device), { source: 'ADF Front', duplex: false, mode: '24bit Color[Fast]', depth: 8, resolution: 300 })
  t.same(checkProfile(device, { duplex: true, mode: '24BIT COLOR' }).duplex, true)
  t.equal(checkProfile(device, { mode: '24BIT COLOR' }).mode, '24bit Color')
  t.same(defaultProfile([opt('mode', 'string', { type: 'stringList', values: ['Binary', 'Gray', 'Colour'] })]), { mode: 'Colour' })
  t.same(defaultProfile([]), {}, 'a device without these options: nothing to set')
})

t.test('saned host specs and scanner ids', async t => {
  t.same(parseSanedHost('scanbox.local'), { host: 'scanbox.local', port: 6566, key: 'scanbox.local:6566' })
  t.same(parseSanedHost(' 10.0.0.5:7000 '), { host: '10.0.0.5', port: 7000, key: '10.0.0.5:7000' })
  t.same(parseSanedHost('[fe80::1]:6567'), { host: 'fe80::1', port: 6567, key: '[fe80::1]:6567' })
  t.same(parseSanedHost('[::1]').key, '[::1]:6566')
  for (const bad of ['', 'a b', 'host:0', 'host:70000', 'fe80::1', 'http://host']) {
    t.throws(() => parseSanedHost(bad), { code: 'CONFIG_INVALID' }, JSON.stringify(bad))
  }
  t.equal(scannerId(parseSanedHost('10.0.0.5'), 'test:0'), scannerId(parseSanedHost('10.0.0.5:6566'), 'test:0'), 'the default port is spelled out')
  t.match(scannerId(parseSanedHost('[fe80::1]'), 'hpaio:/net/OfficeJet?ip=10.0.0.9&queue=false'), /^[A-Za-z0-9_-]+$/)
})
