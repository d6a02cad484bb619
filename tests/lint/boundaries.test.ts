// The import boundaries (.dependency-cruiser.cjs, run by `npm run lint` in `npm test`) hold on the real tree, and
// they bite: on small trees made here, each kind of forbidden import is reported, by its rule, and nothing else.
import { execFile } from 'node:child_process'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { ROOT, tempDir } from '../helpers/tmp.js'

const run = promisify(execFile)
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs')
const FORMAT = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'depcruise-fmt.mjs')
const SOURCES = ['appliance/src', 'sync/src', 'web-admin/src']

interface Violation { rule: { name: string }, from: string, to: string, type: string }
interface Result { exitCode: number, modules: number, violations: Violation[], text: string }

/** depcruise as `npm run lint` runs it (the project's config, from `cwd`): one cruise, its JSON read and formatted as the message. */
async function cruise (t: Test, cwd: string, sources: string[]): Promise<Result> {
  const out = join(await tempDir(t, 'sohoa-lint-out-'), 'result.json')
  await run(process.execPath, [DEPCRUISE, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', '--output-to', out, ...sources], { cwd })
  const summary = JSON.parse(await readFile(out, 'utf8')).summary
  // The lint script's reporter: its exit code is the number of errors.
  const text = await run(process.execPath, [FORMAT, '--exit-code', '--output-type', 'err-long', out], { cwd }).catch(e => e)
  return { exitCode: text.code ?? 0, modules: summary.totalCruised, violations: summary.violations, text: text.stdout }
}

/** A tree with the project's config and tsconfig, and the files given (path → content). */
async function tree (t: Test, files: Record<string, string>): Promise<string> {
  const dir = await tempDir(t, 'sohoa-lint-')
  for (const name of ['.dependency-cruiser.cjs', 'tsconfig.json']) await copyFile(join(ROOT, name), join(dir, name))
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), content)
  }
  return dir
}

const found = (r: Result): string[] => r.violations.map(v => `${v.rule.name}: ${v.from} → ${v.to}`).sort()

t.test('the real tree has no boundary violation', async t => {
  const r = await cruise(t, ROOT, SOURCES)
  t.same(found(r), [])
  t.equal(r.exitCode, 0)
  // It did look: every source folder's modules were cruised, not an empty selection.
  t.ok(r.modules > 250, `${r.modules} modules cruised`)
})

t.test('a face-bypassing import and a cycle between folders are reported, and only they', async t => {
  const dir = await tree(t, {
    'appliance/src/alpha/index.ts': "export { a } from './inner.js'\nexport { deep } from './sub/deep.js'\n",
    'appliance/src/alpha/inner.ts': 'export const a = 1\n',
    // A sub-folder is internal to its capability: alpha may use it, others go through alpha/index.ts.
    'appliance/src/alpha/sub/deep.ts': "import { a } from '../inner.js'\nexport const deep = a + 1\n",
    'appliance/src/beta/index.ts': "import { a } from '../alpha/inner.js'\nimport { deep } from '../alpha/index.js'\nexport const b = a + deep\n",
    'appliance/src/gamma/index.ts': "import { d } from '../delta/index.js'\nexport const g = (): number => d()\n",
    'appliance/src/delta/index.ts': "import { g } from '../gamma/index.js'\nexport const d = (): number => g()\n",
    // The composition root reaches every folder through its face: allowed.
    'appliance/src/node.ts': "import { a } from './alpha/index.js'\nimport { b } from './beta/index.js'\nexport const n = a + b\n"
  })
  const r = await cruise(t, dir, ['appliance/src'])
  t.same(found(r), [
    'face-only: appliance/src/beta/index.ts → appliance/src/alpha/inner.ts',
    // A cycle is reported from each of its folders.
    'no-folder-cycle: appliance/src/delta → appliance/src/gamma',
    'no-folder-cycle: appliance/src/gamma → appliance/src/delta'
  ])
  t.equal(r.exitCode, 3, 'the lint fails, with the number of errors')
  // The message names the rule and says why, Vietnamese first.
  t.match(r.text, /error face-only: appliance\/src\/beta\/index\.ts → appliance\/src\/alpha\/inner\.ts\s+Chỉ nhập một thư mục khác qua index\.ts/)
  t.match(r.text, /error no-folder-cycle: .*\n[^]*No cycle between folders/)
})

t.test('the other boundaries: sync and web-admin, tests/, LevelDB, the sync face', async t => {
  const dir = await tree(t, {
    'appliance/src/errors/index.ts': 'export class AppError extends Error {}\n',
    'appliance/src/store/index.ts': "import { Level } from 'level'\nexport const open = (p: string): unknown => new Level(p)\n",
    'appliance/src/records/index.ts': "import { Level } from 'level'\nexport const r = Level\n",
    'appliance/src/units/index.ts': "import { helper } from '../../../tests/helpers/h.js'\nexport const u = helper\n",
    'appliance/src/replica/index.ts': "import type { Wire } from '../../../sync/src/wire.js'\nimport type { Face } from '../../../sync/src/index.js'\nexport type R = Wire | Face\n",
    'sync/src/index.ts': "export type { Wire } from './wire.js'\nexport type Face = string\n",
    'sync/src/wire.ts': "import { AppError } from '../../appliance/src/errors/index.js'\nexport type Wire = AppError\n",
    'web-admin/src/main.ts': "import { AppError } from '../../appliance/src/errors/index.js'\nexport const e = new AppError()\n",
    'tests/helpers/h.ts': 'export const helper = 1\n',
    'node_modules/level/package.json': JSON.stringify({ name: 'level', version: '10.0.0', main: 'index.js' }),
    'node_modules/level/index.js': 'exports.Level = class Level {}\n'
  })
  const r = await cruise(t, dir, SOURCES)
  t.same(found(r), [
    'level-only-in-store: appliance/src/records/index.ts → node_modules/level/index.js',
    'no-appliance-from-sync-or-web: sync/src/wire.ts → appliance/src/errors/index.ts',
    'no-appliance-from-sync-or-web: web-admin/src/main.ts → appliance/src/errors/index.ts',
    'no-tests-from-src: appliance/src/units/index.ts → tests/helpers/h.ts',
    'sync-face-only: appliance/src/replica/index.ts → sync/src/wire.ts'
  ].sort())
})
