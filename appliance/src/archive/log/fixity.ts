/**
 * The fixity check as an archival act: verify the whole archive, then say so in the log (`fixity.checked`) and in
 * each live record's history (one `fixity` event per record per run: PREMIS "fixity check" in its package). The
 * events go in chunks; the last chunk commits with the log entry. When the log's head itself is damaged the entry
 * cannot be chained: the events are still written (failures included) and `logged` is null.
 */
import { isAppError } from '../../errors/index.js'
import { newId, type RecordEvent, type Store } from '../../store/index.js'
import type { LogEntry } from './envelope.js'
import type { ArchiveLog } from './log.js'
import { inspectArchive, type VerifyProgress, type VerifyResult } from './verify.js'

export interface FixityOptions {
  store: Store
  archiveLog: ArchiveLog
  onProgress?: (p: VerifyProgress) => void
  /** Who ran it, for the events: `system` (the schedule) or a username. */
  agent?: string
}

export interface FixityResult extends VerifyResult {
  /** The `fixity.checked` entry, or null when the log could not take it (its head is damaged). */
  logged: LogEntry | null
}

const EVENTS_PER_BATCH = 2000
/** Failing record ids kept in the entry (ids only: no personal data); the count is always whole. */
const MAX_NAMED = 1000

export async function checkFixityAndRecord (opts: FixityOptions): Promise<FixityResult> {
  const { store, archiveLog } = opts
  const agent = opts.agent ?? 'system'
  const started = new Date()
  const inspection = await inspectArchive(opts)
  const { liveRecords, ...result } = inspection
  const at = new Date().toISOString()

  const problems = new Map<string, Set<string>>()
  for (const f of result.failures) {
    if (!f.recordId) continue
    if (!problems.has(f.recordId)) problems.set(f.recordId, new Set())
    problems.get(f.recordId)!.add(f.problem)
  }
  const events: RecordEvent[] = liveRecords.map(recordId => {
    const found = problems.get(recordId)
    return {
      id: newId('e'),
      recordId,
      type: 'fixity',
      at,
      agent,
      outcome: found ? 'failure' : 'success',
      detail: found ? `SHA-256: ${[...found].sort().join(', ')}` : 'SHA-256 of its files and log entries intact'
    }
  })
  while (events.length > EVENTS_PER_BATCH) {
    const tx = store.tx()
    for (const e of events.splice(0, EVENTS_PER_BATCH)) tx.putEvent(e)
    await tx.commit()
  }
  const failing = [...problems.keys()].sort()
  let logged: LogEntry | null = null
  try {
    logged = await archiveLog.append({
      type: 'fixity.checked',
      data: {
        startedAt: started.toISOString(),
        durationMs: Date.now() - started.getTime(),
        agent,
        entries: result.entries,
        files: result.files,
        bytes: result.bytes,
        records: result.records,
        failures: result.failures.length,
        failingRecords: failing.slice(0, MAX_NAMED),
        failingRecordCount: failing.length
      }
    }, tx => { for (const e of events) tx.putEvent(e) })
  } catch (err) {
    if (!isAppError(err) || err.code !== 'LOG_ENTRY_INVALID') throw err
    const tx = store.tx()
    for (const e of events) tx.putEvent(e)
    await tx.commit()
  }
  return { ...result, logged }
}
