/**
 * The import boundaries of sohoa, checked by `npm run lint` (and so by `npm test`). docs/architecture.md says why.
 * Each rule's `comment` is what an engineer reads when the rule fires: which boundary, why it exists, what to do.
 * Paths are relative to the folder depcruise runs in (the repository root, or a copy of it in a test).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'face-only',
      severity: 'error',
      comment:
        'Chỉ nhập một thư mục khác qua index.ts của nó / A folder of appliance/src is reached only through its index.ts ' +
        '(its face); its other files and sub-folders (archive/log/, integration/outbox/, scanner/sane/...) are internal. ' +
        'Export what you need from that folder\'s index.ts and import it from there.',
      // $1: the importing module's folder (or root file, e.g. node.ts), so imports inside one folder are free.
      from: { path: '^appliance/src/([^/]+)' },
      to: { path: '^appliance/src/[^/]+/.+', pathNot: ['^appliance/src/$1/', '^appliance/src/[^/]+/index\\.ts$'] }
    },
    {
      name: 'sync-face-only',
      severity: 'error',
      comment:
        'Chỉ nhập sync qua sync/src/index.ts / The appliance reaches sync only through sync/src/index.ts, its face. ' +
        'Export what you need from there.',
      from: { path: '^appliance/src/' },
      to: { path: '^sync/src/', pathNot: '^sync/src/index\\.ts$' }
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment:
        'Không được có vòng phụ thuộc giữa các thư mục / No cycle between folders: data flows one way (intake → ' +
        'pipeline → records → archive → sync). A cycle means two folders are one capability or a contract is on the ' +
        'wrong side: move the shared type to the lower folder (its types.ts) or pass a callback in from node.ts.',
      scope: 'folder',
      from: { path: '^(appliance|sync|web-admin)/src/' },
      to: { circular: true }
    },
    {
      name: 'no-appliance-from-sync-or-web',
      severity: 'error',
      comment:
        'sync/ và web-admin/ không nhập appliance/src / sync/src reaches the appliance only through the ReplicaSource ' +
        'and ReplicaSink interfaces it declares (sync/src/types.ts), built by appliance/src/replica and passed in by ' +
        'node.ts; web-admin/src talks only to /api/v1 (its types are generated from the OpenAPI document). Neither ' +
        'imports appliance/src.',
      from: { path: '^(sync|web-admin)/src/' },
      to: { path: '^appliance/' }
    },
    {
      name: 'no-tests-from-src',
      severity: 'error',
      comment:
        'Mã chạy thật không nhập tests/ / Code that ships never imports from tests/: move what both need into appliance/src.',
      from: { path: '^(appliance|sync|web-admin)/src/' },
      to: { path: '^tests/' }
    },
    {
      name: 'level-only-in-store',
      severity: 'error',
      comment:
        'Chỉ store/ biết LevelDB / Only appliance/src/store/ imports level or classic-level: it alone knows keys and ' +
        'batches. Add a typed read or a Tx method to the store instead.',
      from: { path: '^(appliance|sync|web-admin)/src/', pathNot: '^appliance/src/store/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], path: '(^|/)node_modules/(level|classic-level|abstract-level)/' }
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Không tìm thấy mô-đun được nhập / An import depcruise cannot resolve: a typo, or a file that moved.',
      from: { path: '^(appliance|sync|web-admin)/src/' },
      to: { couldNotResolve: true }
    }
  ],
  options: {
    // Type-only imports cross boundaries too: check them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // ESM packages (libp2p, zxing-wasm) publish only "import" conditions in their exports.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], mainFields: ['module', 'main', 'types'] },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)dist/', '\\.d\\.ts$'] },
    reporterOptions: { text: { highlightFocused: true } }
  }
}
