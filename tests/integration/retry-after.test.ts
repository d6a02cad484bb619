// Retry-After from a receiver whose clock is not ours: an HTTP-date is measured against the receiver's own Date
// header, so a receiver running an hour ahead (or behind) still gets the pause it asked for.
import t from 'tap'
import { retryAfter } from '../../appliance/src/integration/outbox/delivery.js'

t.test('seconds, and an HTTP-date measured on the receiver\'s clock', async t => {
  const ours = Date.parse('2026-12-07T10:00:00Z')
  t.equal(retryAfter('120', null, ours), 120_000, 'seconds as they are')
  t.equal(retryAfter(null, null, ours), undefined)
  t.equal(retryAfter('soon', null, ours), undefined, 'not a number nor a date')
  // The receiver's clock runs one hour ahead of ours and asks for 30 s.
  const theirs = new Date(ours + 3_600_000)
  const until = new Date(theirs.getTime() + 30_000).toUTCString()
  t.equal(retryAfter(until, theirs.toUTCString(), ours), 30_000, 'a skewed receiver still gets 30 s, not an hour and 30 s')
  const behind = new Date(ours - 3_600_000)
  t.equal(retryAfter(new Date(behind.getTime() + 30_000).toUTCString(), behind.toUTCString(), ours), 30_000, 'nor nothing when it runs behind')
  t.equal(retryAfter(new Date(ours + 30_000).toUTCString(), null, ours), 30_000, 'without a Date header, our clock is all there is')
})
