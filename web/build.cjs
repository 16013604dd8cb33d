// Builds the dashboard page (GET /) at build time: web/src bundled by esbuild into
// <outdir>/assets/app-<hash>.{js,css} and <outdir>/index.html naming them. Everything the page
// needs is in the bundle: it loads nothing from anywhere but its own server.
//   node web/build.cjs [--outdir DIR]     (default: dist/web; `npm run build` runs it)
const { mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const esbuild = require('esbuild');

const ROOT = join(__dirname, '..');

async function buildDashboard({ outdir = join(ROOT, 'dist', 'web'), minify = true } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'assets'), { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: join(__dirname, 'src', 'main.tsx') },
    bundle: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify,
    legalComments: 'none',
    outdir: join(outdir, 'assets'),
    entryNames: '[name]-[hash]',
    metafile: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(__dirname, 'tsconfig.json'),
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`esbuild wrote no app bundle: ${outputs.join(', ')}`);
  const html = readFileSync(join(__dirname, 'index.html'), 'utf8')
    .replace('%APP_JS%', `/ui/assets/${js}`)
    .replace('%APP_CSS%', `/ui/assets/${css}`);
  writeFileSync(join(outdir, 'index.html'), html);
  return { outdir, js, css };
}

module.exports = { buildDashboard };

if (require.main === module) {
  const at = process.argv.indexOf('--outdir');
  const outdir = at > 0 ? process.argv[at + 1] : undefined;
  buildDashboard(outdir ? { outdir } : {}).then(
    (r) => console.log(`dashboard: ${r.outdir} (${r.js}, ${r.css})`),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
