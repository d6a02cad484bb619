/**
 * The outbox (issue 7): tells the one-stop systems and the national portal about archived results, in the national
 * dossier sync shape (`DongBoHoSoMC`, `DanhSachGiayToKetQua` with a signed `DuongDanTepTinKetQua`).
 *
 * The archive log is the durable queue: every archiving, validity change and deletion is already one synced log
 * entry written atomically with the change, so nothing can be lost between a change and its message. Each target
 * keeps a cursor (the next log seq) and its head's attempts in the `outbox` sublevel. Messages go out in log order
 * with `Idempotency-Key: <peer ID of the entry's node>:<seq>`, the same on every attempt, after a restart and after
 * an admin's retry; they are retried with exponential backoff and jitter and, after the last attempt, set aside as
 * dead letters (with every later message about the same record held beside them) so the rest keep flowing.
 *
 * Exactly-once as the receiver sees it: the cursor moves in a synced write after the target's 2xx. A crash between
 * that answer and the write re-sends that one message, with the same key, after the restart; a receiver that drops
 * repeats by key applies every message once. Nothing else is sent twice. A target added later starts at seq 1 (it
 * gets the whole archive); a removed target's state stays, unused.
 */
export { Outbox, outboxOptionsOf, type OutboxDeps, type OutboxTargetStatus, type DeadLetterFilter } from './outbox.js'
export { resolveTargets, deliver, backoffDelay, answerProblem, MAX_ANSWER_BYTES, type OutboxTarget, type DeliveryResult } from './delivery.js'
export { buildMessage, DELIVERED_TYPES, SERVICE, type NationalSyncMessage, type Dossier, type ResultDocument } from './message.js'
export { deadLetterId, idempotencyKeyOf, type OutboxOptions } from './worker.js'
