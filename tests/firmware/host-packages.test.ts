/**
 * Every program the code spawns is installed by `firmware-scripts/host-packages.sh` for the mode that needs it, so a
 * fresh Debian machine runs the appliance, the suite and the benchmarks with nothing installed by hand. The programs
 * are found in the source (appliance/, sync/, bin/ need the runtime set; tests/bench/ the bench set; other tests the
 * test set). A program of an Essential package (coreutils, util-linux) is on every Debian system and needs no row.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, realpathSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'
import { ROOT } from '../helpers/tmp.js'

type Mode = 'runtime' | 'test' | 'bench'
const SCRIPT = join(ROOT, 'firmware-scripts', 'host-packages.sh')
const CHILD_PROCESS_CALL = /(?<![.\w])(?:spawn|spawnSync|execFile|execFileSync|exec|execSync)\(\s*([^'\s)][^,)]*)/g

/**
 * Calls that spawn a program named by a variable. Each is a wrapper whose callers name the program as a literal,
 * which the patterns below find; a new one must be added here after checking that its callers do so.
 */
const WRAPPERS = new Set([
  'tests/archive/pdf-helpers.ts: cmd', // run / runBytes ('pdfsig', [...])
  'tests/sync/helpers.ts: command[0]', // process.execPath, or the bench's `ip netns exec` prefix
  'tests/separator/offline.test.ts: cmd', // ['unshare', '-n'] or nothing, then process.execPath
  'tests/ocr/offline.test.ts: cmd', // likewise
  'tests/helpers/saned.ts: process.execPath'
])

/** Literal program names in calls, array commands, after `ip netns exec <ns>` and as absolute paths. */
const PROGRAM_PATTERNS = [
  /(?<![.\w])(?:spawn|spawnSync|execFile|execFileSync|exec|execSync|sh)\(\s*'([a-z][\w.+-]*)'/g,
  /(?<![.\w])run\w*\(\s*'([a-z][\w.+-]*)'\s*,\s*\[/g, // run('pdftoppm', [...]), runBytes('qpdf', [...])
  /\[\s*'([a-z][\w.+-]*)'\s*,\s*args\b/g, // ['ss', args]
  /'exec',\s*\w+,\s*'([a-z][\w.+-]*)'/g, // 'ip', 'netns', 'exec', ns, 'iptables'
  /(?<![.\w])sh\(\.\.\.\w+,\s*'([a-z][\w.+-]*)'/g, // sh(...prefix, 'tc', ...)
  /'\/usr\/s?bin\/([\w.+-]+)'/g
]

function sourceFiles (dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'fixtures') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(path))
    else if (/\.(?:ts|tsx|js|mjs|cjs)$/.test(entry.name)) out.push(path)
  }
  return out
}

function modeOf (file: string): Mode {
  if (file.startsWith('tests/bench/')) return 'bench'
  return file.startsWith('tests/') ? 'test' : 'runtime'
}

interface Row { package: string, modes: Mode[] }
function table (): Map<string, Row> {
  const out = new Map<string, Row>()
  for (const line of execFileSync('bash', [SCRIPT, '--programs'], { encoding: 'utf8' }).trim().split('\n')) {
    const [program, pkg, ...modes] = line.trim().split(/\s+/)
    out.set(program, { package: pkg, modes: modes as Mode[] })
  }
  return out
}

/** The Debian package that owns a program on PATH, and whether it is Essential; undefined when not installed. */
function owner (program: string): { package: string, essential: boolean } | undefined {
  const which = spawnSync('bash', ['-c', `command -v -- "$1"`, 'bash', program], { encoding: 'utf8' })
  if (which.status !== 0) return undefined
  const found = which.stdout.trim()
  // Debian 12 has merged /usr: dpkg may know a program under /bin, /usr/bin, or only the path its link points to.
  const candidates = new Set([found, realpathSync(found)])
  for (const p of [...candidates]) candidates.add(p.startsWith('/usr/') ? p.slice(4) : `/usr${p}`)
  for (const path of candidates) {
    const search = spawnSync('dpkg-query', ['-S', path], { encoding: 'utf8' })
    if (search.status !== 0) continue
    const pkg = search.stdout.split(':')[0].trim()
    const essential = execFileSync('dpkg-query', ['-W', '-f=${Essential}', pkg], { encoding: 'utf8' }).trim() === 'yes'
    return { package: pkg, essential }
  }
  return undefined
}

const SELF = 'tests/firmware/host-packages.test.ts'
const files = ['appliance', 'sync', 'bin', 'tests'].flatMap(d => sourceFiles(join(ROOT, d))).map(f => relative(ROOT, f)).filter(f => f !== SELF)
const spawned = new Map<string, Set<Mode>>()
const unknownWrappers: string[] = []
for (const file of files) {
  const text = readFileSync(join(ROOT, file), 'utf8')
  for (const m of text.matchAll(CHILD_PROCESS_CALL)) {
    const site = `${file}: ${m[1].trim()}`
    if (m[1].trim() !== 'process.execPath' && !WRAPPERS.has(site)) unknownWrappers.push(site)
  }
  for (const pattern of PROGRAM_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const modes = spawned.get(m[1]) ?? new Set<Mode>()
      modes.add(modeOf(file))
      spawned.set(m[1], modes)
    }
  }
}
spawned.delete('node')

t.test('the source is read: the programs the suite is known to use are found', async t => {
  for (const program of ['saned', 'pdftoppm', 'pdfsig', 'qpdf', 'chromium', 'tesseract', 'ip', 'iptables', 'tc', 'ss']) {
    t.ok(spawned.has(program), `${program} is found`)
  }
})

t.test('a program named by a variable is spawned only by a known wrapper', async t => {
  t.same(unknownWrappers, [], 'each child_process call takes a literal program, process.execPath or a listed wrapper')
})

t.test('every spawned program is in the host script, for each mode that spawns it', async t => {
  const rows = table()
  for (const [program, modes] of [...spawned].sort()) {
    const row = rows.get(program)
    if (row === undefined) {
      const own = owner(program)
      t.ok(own?.essential === true, `${program} (${[...modes].join(', ')}): named in host-packages.sh, or from an Essential package (found: ${own === undefined ? 'not installed' : own.package})`)
      continue
    }
    for (const mode of modes) {
      t.ok(row.modes.includes(mode) || (mode !== 'runtime' && row.modes.includes('runtime')), `${program}: installed for ${mode}`)
    }
  }
})

t.test('the table is true: each program of the test set is installed and comes from the package named', async t => {
  for (const [program, row] of table()) {
    const own = owner(program)
    if (!row.modes.includes('test') && !row.modes.includes('runtime')) {
      // The bench set is not installed by `npm test`; check it where it is.
      if (own !== undefined) t.equal(own.package, row.package, `${program} comes from ${row.package}`)
      continue
    }
    t.not(own, undefined, `${program} is installed (npm test ran host-packages.sh --test)`)
    if (own !== undefined) t.equal(own.package, row.package, `${program} comes from ${row.package}`)
  }
})
