/**
 * Entry of every OCR worker thread: lowers this thread's scheduling priority, then runs tesseract.js' own worker
 * script. On Linux `setpriority(PRIO_PROCESS, 0)` acts on the calling thread only, so recognition yields the CPU to
 * the main thread, where intake acknowledges pages: OCR may run behind, the scanner must never wait.
 */
import { createRequire } from 'node:module'
import { setPriority } from 'node:os'

try {
  setPriority(10)
} catch {
  // Not permitted or not supported: OCR simply runs at normal priority.
}
createRequire(import.meta.url)('tesseract.js/src/worker-script/node/index.js')
