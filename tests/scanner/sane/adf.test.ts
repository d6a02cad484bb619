/**
 * Feeder batches, scanner faults and cancelling, through a real saned with the test backend. Its feeder
 * holds 10 pages: the 11th START answers NO_DOCS. `read-return-value` makes sane_read fail with a chosen
 * status; `read-delay` slows the transfer so a scan can be cancelled midway.
 */
import t from 'tap'
import { hasSaneStatus, type ScannedImage } from '../../../appliance/src/scanner/sane/index.js'
import { appError, client, saned } from './setup.js'

const ADF = 'Automatic Document Feeder'

t.test('feeder batches and faults', async t => {
  const server = await saned(t)

  t.test('scanBatch yields the 10 pages of the feeder, then ends', async t => {
    const c = await client(t, server)
    const dev = await c.open('test:0')
    await dev.setOption('source', ADF)
    const pages: ScannedImage[] = []
    for await (const page of dev.scanBatch()) pages.push(page)
    t.equal(pages.length, 10)
    t.ok(pages.every(p => p.width === 157 && p.height === 196 && p.data.every(v => v === 0)))
  })

  t.test('a plain loop: the 11th page is SANE_NO_DOCS', async t => {
    // A new connection is a new saned process: a full feeder again.
    const c = await client(t, server)
    const dev = await c.open('test:0')
    await dev.setOption('source', ADF)
    const pages: ScannedImage[] = []
    let ended: unknown
    for (;;) {
      try {
        pages.push(await dev.scanPage())
      } catch (err) {
        ended = err
        break
      }
    }
    t.equal(pages.length, 10)
    t.ok(hasSaneStatus(ended, 'NO_DOCS'))
    t.match(ended, { code: 'SANE_NO_DOCS', details: { status: 'NO_DOCS', rpc: 'START' } })
    // The test feeder counts every START; after the NO_DOCS it holds 10 pages again.
    let refilled = 0
    for await (const page of dev.scanBatch()) refilled += page.height === 196 ? 1 : 0
    t.equal(refilled, 10, 'a batch ends quietly at NO_DOCS after the first page')
  })

  t.test('a batch on an empty feeder throws SANE_NO_DOCS', async t => {
    const c = await client(t, server)
    const dev = await c.open('test:0')
    await dev.setOption('source', ADF)
    for (let i = 0; i < 10; i++) await dev.scanPage()
    const err = await appError(t, async () => { for await (const page of dev.scanBatch()) t.fail(`unexpected page ${page.width}`) })
    t.same([err.code, err.details?.status], ['SANE_NO_DOCS', 'NO_DOCS'], 'nothing scanned: the caller must hear that the feeder is empty')
  })

  t.test('maxPages stops a batch early', async t => {
    const c = await client(t, server)
    const dev = await c.open('test:1')
    await dev.setOption('source', ADF)
    let n = 0
    for await (const page of dev.scanBatch({ maxPages: 3 })) n += page.height > 0 ? 1 : 0
    t.equal(n, 3)
  })

  t.test('scanner faults during the transfer become typed errors', async t => {
    const c = await client(t, server)
    const dev = await c.open('test:0')
    const cases: Array<[string, string]> = [
      ['JAMMED', 'SANE_JAMMED'],
      ['COVER_OPEN', 'SANE_COVER_OPEN'],
      ['IO_ERROR', 'SANE_IO_ERROR'],
      ['NO_DOCS', 'SANE_NO_DOCS'],
      ['NO_MEM', 'SANE_NO_MEM'],
      ['DEVICE_BUSY', 'SANE_DEVICE_BUSY'],
      ['ACCESS_DENIED', 'SANE_ACCESS_DENIED'],
      ['CANCELLED', 'SANE_CANCELLED'],
      ['UNSUPPORTED', 'SANE_UNSUPPORTED'],
      ['INVAL', 'SANE_INVALID']
    ]
    for (const [status, code] of cases) {
      await dev.setOption('read-return-value', `SANE_STATUS_${status}`)
      const err = await appError(t, async () => await dev.scanPage())
      t.equal(err.code, code, status)
      t.equal(err.details?.status, status)
      t.equal(err.details?.stage, 'data')
    }
    t.ok(hasSaneStatus(await appError(t, async () => await dev.scanPage()), 'INVAL'))
    await dev.setOption('read-return-value', 'Default')
    const page = await dev.scanPage()
    t.equal(page.height, 196, 'after the faults the device scans again')
  })

  t.test('cancelling a slow scan midway', async t => {
    const c = await client(t, server)
    const dev = await c.open('test:0')
    await dev.setOption('read-delay', true)
    await dev.setOption('read-delay-duration', 200_000)
    await dev.setOption('resolution', 600)
    const controller = new AbortController()
    const started = Date.now()
    let progressEvents = 0
    const err = await appError(t, async () => await dev.scanPage({
      signal: controller.signal,
      onProgress: () => { progressEvents++; controller.abort() }
    }))
    const ms = Date.now() - started
    t.equal(err.code, 'SANE_CANCELLED')
    t.ok(progressEvents >= 1)
    t.ok(ms < 3000, `cancelled after ${ms} ms (the whole page would take about a minute)`)

    await dev.setOption('read-delay', false)
    await dev.setOption('resolution', 50)
    t.equal((await dev.scanPage()).height, 196, 'the device scans again after a cancel')

    const pre = new AbortController()
    pre.abort()
    const early = await appError(t, async () => await dev.scanPage({ signal: pre.signal }))
    t.same([early.code, early.details?.stage], ['SANE_CANCELLED', 'start'], 'an already aborted signal never starts')
  })

  t.test('an image of zero lines is an error, not an empty picture', async t => {
    const c = await client(t, server)
    const dev = await c.open('test:0')
    await dev.setOption('read-return-value', 'SANE_STATUS_EOF')
    const err = await appError(t, async () => await dev.scanPage())
    t.same([err.code, err.details?.reason], ['SANE_IO_ERROR', 'empty-image'])
  })
})
