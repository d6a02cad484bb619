/** Alters one stored log entry in place, as damage or tampering on disk would (the node must be stopped). */
import type { Store } from '../../appliance/src/store/index.js'

export async function tamperEntry (store: Store, seq: number): Promise<void> {
  const log = store.sub('log')
  const key = String(seq).padStart(12, '0')
  const value = await log.get(key) as string
  // Change what the record says (its archive id) without touching the envelope's shape: only the signature can tell.
  const marker = '\\"archiveId\\":\\"'
  const altered = value.replace(marker, `${marker}X`)
  if (altered === value) throw new Error('nothing to alter in that entry')
  await log.put(key, altered)
}
