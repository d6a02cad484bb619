/**
 * A process of its own for the migration crash test: opens a store whose migrations are the real ones plus a test
 * migration that rewrites every unit's name in batches of ten (as a big migration would), printing each committed
 * batch. The parent kills it mid-way, then opens the directory again to see the migration finish.
 * `seed <n>`: a directory at the current layout with n units; `migrate`: open with the test migration.
 */
import { MIGRATIONS, Store, type Migration, type Unit } from '../../appliance/src/store/index.js'

const SUFFIX = ' (đã chuyển)'

/** Idempotent: a unit already renamed is skipped, so a run cut anywhere can run again. */
const renameUnits: Migration = {
  version: MIGRATIONS.length + 2,
  name: 'test: every unit name gets a suffix',
  up: async (store) => {
    let batch: Unit[] = []
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      const tx = store.tx()
      for (const u of batch) tx.putUnit({ ...u, name: u.name + SUFFIX })
      await tx.commit()
      process.stdout.write(`batch ${batch.length}\n`)
      batch = []
      // Slow enough for the parent to kill it between two batches.
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    for await (const u of store.listUnits()) {
      if (u.name.endsWith(SUFFIX)) continue
      batch.push(u)
      if (batch.length === 10) await flush()
    }
    await flush()
    return []
  }
}

const [dataDir, mode, count] = process.argv.slice(2)
if (mode === 'seed') {
  const store = await Store.open(dataDir)
  const tx = store.tx()
  for (let k = 0; k < Number(count); k++) tx.putUnit({ code: String(100 + k), name: `Huyện ${k}`, level: 'district', parent: '64', agencyCode: null, createdAt: new Date().toISOString() })
  await tx.commit()
  await store.close()
  process.stdout.write('seeded\n')
} else if (mode === 'migrate') {
  const store = await Store.open(dataDir, { migrations: [...MIGRATIONS, renameUnits] })
  await store.close()
  process.stdout.write('migrated\n')
}
