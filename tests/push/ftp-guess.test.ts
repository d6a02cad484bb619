// Issue 15, item 13: FTP password guessing. Parallel connections each guessing once are counted before the
// password is checked: past the limit for that name from that address every try is refused (530) without a check,
// even the right password, while another account from the same address still signs in. Passive ports 31400-31409.
import { Client } from 'basic-ftp'
import t from 'tap'
import { FtpDropBox } from '../../appliance/src/push/index.js'
import { ftpConfig, openHarness, silent } from './setup.js'

const ACCOUNT = { username: 'copier', password: 'mat-khau-dai', unit: '622' }
const OTHER = { username: 'photo-t2', password: 'mat-khau-khac', unit: '622' }

t.test('parallel guesses are counted before the check, then locked out', async t => {
  const h = await openHarness(t)
  const box = new FtpDropBox({
    config: ftpConfig(31400, 31409, [ACCOUNT, OTHER]), intake: h.intake, logger: silent, maxUploadBytes: 1 << 20,
    loginFailureDelayMs: 20, loginThrottle: { perUser: 5, perAddress: 30, windowMs: 60_000 }
  })
  await box.listen()
  h.cleanup(async () => { await box.close() })
  const attempt = async (user: string, password: string): Promise<number> => {
    const client = new Client(10_000)
    try {
      await client.access({ host: '127.0.0.1', port: box.port, user, password })
      return 230
    } catch (err) {
      return (err as { code?: number }).code ?? -1
    } finally {
      client.close()
    }
  }
  // 12 at once: under the server's 16 connections, over the 5 allowed guesses.
  const guesses = await Promise.all(Array.from({ length: 12 }, async (_, i) => await attempt(ACCOUNT.username, `doan-${i}`)))
  t.same(guesses, Array(12).fill(530), 'every guess is refused')
  t.equal(box.stats.passwordChecks, 5, 'only 5 of 12 parallel guesses reached the password check')
  t.equal(await attempt(ACCOUNT.username, ACCOUNT.password), 530, 'past the limit the right password is refused too: no more tries from here')
  t.equal(box.stats.passwordChecks, 5, 'nor did that one')
  t.equal(await attempt(OTHER.username, OTHER.password), 230, 'another account from the same address still signs in')
})
