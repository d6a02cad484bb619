/**
 * INIT, device list and option handling against a real saned with the `test` and `pnm` backends:
 * descriptors and their constraints, get/set with client-side validation, info flags and reloads.
 */
import t from 'tap'
import { appError, client, saned } from './setup.js'

t.test('options of the test backend over a real saned', async t => {
  const server = await saned(t)
  const c = await client(t, server)

  t.test('lists the devices of both backends', async t => {
    const devices = await c.listDevices()
    const names = devices.map(d => d.name).sort()
    t.same(names, ['pnm:0', 'pnm:1', 'test:0', 'test:1'])
    const test0 = devices.find(d => d.name === 'test:0')
    t.same(test0, { name: 'test:0', vendor: 'Noname', model: 'frontend-tester', type: 'virtual device' })
  })

  t.test('an unknown device is SANE_UNKNOWN_DEVICE', async t => {
    const err = await appError(t, async () => await c.open('nosuch:0'))
    t.equal(err.code, 'SANE_UNKNOWN_DEVICE')
    t.equal(err.details?.status, 'INVAL')
  })

  const dev = await c.open('test:0')

  t.test('descriptors carry types, units, sizes, capabilities and constraints', async t => {
    const list = dev.descriptors()
    t.equal(list[0].type, 'int', 'option 0 is the option count')
    t.ok(list.length > 50, `${list.length} options`)
    t.ok(list.some(d => d.type === 'group' && d.title === 'Special Options'))

    const mode = dev.descriptor('mode')
    t.equal(mode.type, 'string')
    t.same(mode.constraint, { type: 'stringList', values: ['Gray', 'Color'] })
    t.ok(mode.settable && mode.readable)

    const resolution = dev.descriptor('resolution')
    t.equal(resolution.type, 'fixed')
    t.equal(resolution.unit, 'dpi')
    t.same(resolution.constraint, { type: 'range', min: 1, max: 1200, quant: 1 })

    const depth = dev.descriptor('depth')
    t.same(depth.constraint, { type: 'wordList', values: [1, 8, 16] })

    t.equal(dev.descriptor('br-x').unit, 'mm')
    t.equal(dev.descriptor('read-delay-duration').unit, 'microsecond')
    t.equal(dev.descriptor('print-options').type, 'button')
    t.equal(dev.descriptor('hand-scanner').type, 'bool')

    const threePass = dev.descriptor('three-pass')
    t.equal(threePass.capabilities.inactive, true, 'three-pass is inactive in Gray mode')
    t.equal(threePass.active, false)

    const gamma = dev.descriptor('gamma-table')
    t.equal(gamma.size, 16384)
    t.equal(gamma.length, 4096)
    t.equal(gamma.capabilities.advanced, true)

    const auto = dev.descriptor('bool-soft-select-soft-detect-auto')
    t.equal(auto.capabilities.automatic, true)
    t.equal(dev.descriptor('bool-soft-select-soft-detect-emulated').capabilities.emulated, true)
    const hard = dev.descriptor('bool-hard-select')
    t.same([hard.capabilities.hardSelect, hard.capabilities.softSelect, hard.capabilities.softDetect], [true, false, false])

    const fixedRange = dev.descriptor('fixed-constraint-range')
    t.ok(fixedRange.constraint.type === 'range' && Math.abs(fixedRange.constraint.min - -42.17) < 1e-4)
    const fixedList = dev.descriptor('fixed-constraint-word-list')
    t.ok(fixedList.constraint.type === 'wordList' && fixedList.constraint.values.includes(42))
    t.same(dev.descriptor('int-constraint-word-list').constraint,
      { type: 'wordList', values: [-42, -8, 0, 17, 42, 256, 65536, 16777216, 1073741824] })
  })

  t.test('options() returns current values of readable options', async t => {
    const states = await dev.options()
    const byName = new Map(states.map(s => [s.name, s]))
    t.equal(byName.get('mode')?.value, 'Gray')
    t.equal(byName.get('resolution')?.value, 50)
    t.equal(byName.get('source')?.value, 'Flatbed')
    t.equal(byName.get('br-y')?.value, 100)
    t.equal(byName.get('hand-scanner')?.value, false)
    t.equal(byName.get('three-pass')?.value, undefined, 'inactive options have no value')
    const gamma = byName.get('red-gamma-table')?.value
    t.ok(Array.isArray(gamma) && gamma.length === 256)
  })

  t.test('set and get values of every type', async t => {
    const res = await dev.setOption('resolution', 75)
    t.same([res.value, res.inexact, res.reloadParams], [75, false, true], 'resolution changes the parameters')
    t.equal(await dev.getOption('resolution'), 75)
    t.equal((await dev.parameters()).pixelsPerLine, Math.floor(75 * 80 / 25.4))
    const rounded = await dev.setOption('resolution', 75.5)
    t.same([rounded.value, rounded.inexact], [76, true], 'between quantisation steps: the backend rounds, INEXACT')
    await dev.setOption('resolution', 50)

    t.equal((await dev.setOption('test-picture', 'Grid')).value, 'Grid')
    t.equal((await dev.setOption('test-picture', 'solid white')).value, 'Solid white', 'letter case is normalised to the list entry')
    t.equal(await dev.getOption('test-picture'), 'Solid white')
    t.equal((await dev.setOption('read-limit', true)).value, true)
    t.equal((await dev.setOption('ppl-loss', 3)).value, 3)
    await dev.setOption('ppl-loss', 0)
    t.equal((await dev.setOption('print-options')).value, null, 'a button is pressed')
  })

  t.test('invalid values are refused before any round trip', async t => {
    const cases: Array<[string, unknown, string]> = [
      ['resolution', 5000, 'out-of-range'],
      ['resolution', 0.5, 'out-of-range'],
      ['depth', 12, 'not-in-list'],
      ['mode', 'Lineart', 'not-in-list'],
      ['mode', 42, 'not-a-string'],
      ['hand-scanner', 1, 'not-a-boolean'],
      ['ppl-loss', 2.5, 'not-an-integer'],
      ['source', 'x'.repeat(40), 'not-in-list'],
      ['three-pass', true, 'inactive'],
      ['print-options', 3, 'button-takes-no-value']
    ]
    for (const [name, value, reason] of cases) {
      const err = await appError(t, async () => await dev.setOption(name, value as never))
      t.equal(err.code, 'SANE_INVALID', `${name}=${String(value)}`)
      t.equal(err.details?.reason, reason, `${name}: ${reason}`)
      // A refusal from saned would carry details.status; a client-side one does not.
      t.equal(err.details?.status, undefined, `${name} refused locally`)
    }
    t.equal(await dev.getOption('resolution'), 50, 'nothing was changed on the scanner')
    const unknown = await appError(t, async () => await dev.setOption('no-such-option', 1))
    t.equal(unknown.code, 'SANE_UNSUPPORTED')
    const groupGet = await appError(t, async () => await dev.getOption('three-pass'))
    t.equal(groupGet.details?.reason, 'inactive')
    const auto = await appError(t, async () => await dev.setAuto('resolution'))
    t.equal(auto.details?.reason, 'no-automatic-mode')
  })

  t.test('RELOAD_OPTIONS re-fetches descriptors; inactive options come alive', async t => {
    t.equal(dev.descriptor('int').active, false)
    const r = await dev.setOption('enable-test-options', true)
    t.equal(r.reloadedOptions, true)
    t.equal(dev.descriptor('int').active, true, 'descriptor cache was refreshed')
    t.equal(dev.descriptor('bool-soft-detect').readable, true)

    const mode = await dev.setOption('mode', 'Color')
    t.same([mode.reloadedOptions, mode.reloadParams], [true, true])
    t.equal(dev.descriptor('three-pass').active, true)
    t.equal((await dev.parameters()).format, 'rgb')
    await dev.setOption('mode', 'Gray')
    t.equal(dev.descriptor('three-pass').active, false)
  })

  t.test('INEXACT: the backend changed the value and says so', async t => {
    const r = await dev.setOption('int-inexact', 10)
    t.same([r.value, r.inexact], [11, true])
    const rounded = await dev.setOption('int-constraint-range', 5)
    t.equal(rounded.inexact, true, 'a value between quantisation steps is rounded by the backend')
    t.ok(rounded.value === 4 || rounded.value === 6)
    const exact = await dev.setOption('int-constraint-range', 8)
    t.same([exact.value, exact.inexact], [8, false])
  })

  t.test('arrays, fixed word lists, read-only and automatic options', async t => {
    const values = [4, 6, 8, 10, 12, 14]
    t.same((await dev.setOption('int-constraint-array-constraint-range', values)).value, values)
    t.same(await dev.getOption('int-constraint-array-constraint-range'), values)
    const short = await appError(t, async () => await dev.setOption('int-constraint-array', [1, 2]))
    t.same([short.details?.reason, short.details?.expected], ['wrong-length', 6])
    const outside = await appError(t, async () => await dev.setOption('int-constraint-array-constraint-range', [4, 6, 8, 10, 12, 500]))
    t.equal(outside.details?.reason, 'out-of-range')

    t.equal((await dev.setOption('fixed-constraint-word-list', 129.5)).value, 129.5)
    const notListed = await appError(t, async () => await dev.setOption('fixed-constraint-word-list', 43))
    t.equal(notListed.details?.reason, 'not-in-list')
    t.equal((await dev.setOption('fixed', -1.25)).value, -1.25)
    t.equal((await dev.setOption('string', 'xin chào')).value, 'xin chào', 'UTF-8 strings survive the round trip')
    const long = await appError(t, async () => await dev.setOption('string', 'x'.repeat(97)))
    t.same([long.details?.reason, long.details?.maxBytes], ['too-long', 96])

    const readOnly = await appError(t, async () => await dev.setOption('bool-soft-detect', true))
    t.equal(readOnly.details?.reason, 'read-only')
    t.equal(typeof await dev.getOption('bool-soft-detect'), 'boolean')

    await dev.setOption('bool-soft-select-soft-detect-auto', false)
    await dev.setAuto('bool-soft-select-soft-detect-auto')
    t.equal(await dev.getOption('bool-soft-select-soft-detect-auto'), true, 'SET_AUTO let the backend choose')
  })

  t.test('concurrent calls on one connection are serialised', async t => {
    const names = ['mode', 'depth', 'resolution', 'source', 'test-picture', 'br-x', 'br-y', 'tl-x']
    const expected = await Promise.all(names.map(async n => await dev.getOption(n)))
    const many = await Promise.all(Array.from({ length: 40 }, async (_, i) => await dev.getOption(names[i % names.length])))
    t.same(many, Array.from({ length: 40 }, (_, i) => expected[i % names.length]))
  })

  t.test('pnm: AUTOMATIC resolution', async t => {
    const pnm = await c.open('pnm:0')
    const res = pnm.descriptor('resolution')
    t.same([res.type, res.unit, res.capabilities.automatic, res.constraint.type], ['int', 'dpi', true, 'wordList'])
    t.ok(pnm.descriptor('filename').size >= 256)
    await pnm.setAuto('resolution')
    t.type(await pnm.getOption('resolution'), 'number')
    await pnm.close()
  })
})
