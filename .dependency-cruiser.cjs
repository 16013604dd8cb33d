// The layer check of `npm run lint`. The layers are read from ARCHITECTURE.md ("Layers"), so the
// document and the check are one list: a module may import from its own layer or a lower one.
const { readFileSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = __dirname;
/** Folders that must not reach a chat SDK, the HTTP server or the database driver (type imports too). */
const PLATFORM_FREE = ['src/intent/', 'src/commands/', 'src/present/', 'src/incidents/'];
const PLATFORM_PACKAGES = ['@slack/', '@microsoft/', 'fastify', '@fastify/', 'better-sqlite3'];

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `src/log/` covers the folder, `src/errors.ts` the one file. */
const pattern = (entry) => (entry.endsWith('/') ? `^${escapeRe(entry)}` : `^${escapeRe(entry)}$`);

/** [{ name, entries: ['src/log/', ...] }], lowest first, from the table between the layer markers. */
function readLayers(file = join(ROOT, 'ARCHITECTURE.md')) {
  const text = readFileSync(file, 'utf8');
  const block = /<!-- layers:start -->([\s\S]*?)<!-- layers:end -->/.exec(text);
  if (!block) throw new Error(`${file}: no <!-- layers:start --> ... <!-- layers:end --> table`);
  const layers = [];
  for (const line of block[1].split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !/^\d+$/.test(cells[1])) continue;
    const entries = [...cells[3].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    if (entries.length) layers.push({ name: cells[2], entries });
  }
  if (!layers.length) throw new Error(`${file}: the layer table has no rows`);
  return layers;
}

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [relative(ROOT, path)] : [];
  });
}

const layers = readLayers();
const all = layers.flatMap((l) => l.entries);
const unplaced = sourceFiles(join(ROOT, 'src')).filter((f) => !all.some((e) => new RegExp(pattern(e)).test(f)));
if (unplaced.length) {
  throw new Error(`not in any layer of ARCHITECTURE.md (add them to the table): ${unplaced.join(', ')}`);
}

const upward = layers.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} is below ${layers
    .slice(i + 1)
    .map((l) => l.name)
    .join(', ')}: it must not import them (ARCHITECTURE.md, Layers)`,
  severity: 'error',
  from: { path: layer.entries.map(pattern) },
  to: { path: layers.slice(i + 1).flatMap((l) => l.entries.map(pattern)) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-platform-in-core',
      comment: `${PLATFORM_FREE.join(', ')} stay free of chat SDKs, fastify and better-sqlite3`,
      severity: 'error',
      from: { path: PLATFORM_FREE.map(pattern) },
      to: { path: PLATFORM_PACKAGES.map((p) => `(^|node_modules/)${escapeRe(p)}`) },
    },
    {
      name: 'worker-no-database',
      comment: 'a `worker` opens no database (DESIGN.md, Process roles): nothing it loads reaches the store',
      severity: 'error',
      from: { path: '^src/app/worker\\.ts$' },
      to: { path: ['^src/store/', '(^|node_modules/)better-sqlite3'], reachable: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    includeOnly: '^src/|node_modules',
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
