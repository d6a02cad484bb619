import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../appliance/src/paths.js'

/** A fresh temp directory, removed when the test ends. */
export async function tempDir (t: { teardown: (fn: () => unknown) => void }, prefix = 'sohoa-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  return dir
}

/** The repository root, from tests/helpers (ts) or dist/tests/helpers (js). */
export const ROOT = PACKAGE_ROOT
/** The project's sample scans with their ground truth (`tests/fixtures/corpus`). */
export const CORPUS = join(PACKAGE_ROOT, 'tests', 'fixtures', 'corpus')
