import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Small checks on the docs and the project's npm set-up that a newcomer reads or runs first. */

const ROOT = join(__dirname, '..', '..');

/** Every Markdown file a newcomer reads: README.md and the READMEs of the folders beside it. */
function markdownFiles(): string[] {
  const nested = readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules' && d.name !== 'dist')
    .flatMap((d) =>
      readdirSync(join(ROOT, d.name))
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(d.name, f)),
    );
  return ['README.md', ...nested];
}

/**
 * Table rows that are cut off from their table's header: a `|` row whose table block (the run of
 * `|` lines around it) does not start with a header and a `|---|` separator. A blank line inside a
 * table does exactly that: the rows after it render as a paragraph of pipes.
 */
function orphanRows(markdown: string): Array<{ line: number; text: string }> {
  const lines = markdown.split('\n');
  const orphans: Array<{ line: number; text: string }> = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*```/.test(lines[i])) inFence = !inFence;
    if (inFence || !lines[i].startsWith('|')) continue;
    const start = i;
    while (i + 1 < lines.length && lines[i + 1].startsWith('|')) i++;
    const separator = /^\|(\s*:?-{3,}:?\s*\|)+\s*$/;
    if (i - start < 1 || !separator.test(lines[start + 1])) orphans.push({ line: start + 1, text: lines[start] });
  }
  return orphans;
}

describe('issue 13.18: docs a newcomer reads first', () => {
  it('finds a table cut in two by a blank line (the check itself)', () => {
    const cut = '| a | b |\n|---|---|\n| 1 | 2 |\n\n| 3 | 4 |\n';
    expect(orphanRows(cut)).toEqual([{ line: 5, text: '| 3 | 4 |' }]);
    expect(orphanRows('| a | b |\n| --- | :---: |\n| 1 | 2 |\n| 3 | 4 |\n')).toEqual([]);
  });

  it.each(markdownFiles())('%s: no table has a blank line (or any other break) inside', (file) => {
    expect(orphanRows(readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });
});

describe("issue 13.18: npm runs without warnings and skips onnxruntime-node's CUDA download", () => {
  it('prints no "Unknown project config" warning (no unknown keys in .npmrc)', () => {
    const npm = spawnSync('npm', ['pkg', 'get', 'name'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    expect(npm.status).toBe(0);
    expect(npm.stdout.trim()).toBe('"smartcloudops"');
    expect(npm.stderr).not.toMatch(/warn/i);
  });

  it(
    "denies onnxruntime-node's install script, which on linux/x64 downloads the CUDA provider by default; " +
      'every other install script is reviewed',
    () => {
      // onnxruntime-node/script/install.js: with no ONNXRUNTIME_NODE_INSTALL flag it installs the
      // manifests listed for the platform, and linux/x64 lists cuda12 (hundreds of MB from NuGet).
      const metadata = readFileSync(
        join(ROOT, 'node_modules', 'onnxruntime-node', 'script', 'install-metadata.js'),
        'utf8',
      );
      expect(metadata).toMatch(/'linux\/x64': \['cuda12'\]/);
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        allowScripts?: Record<string, boolean>;
      };
      expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
      expect(readFileSync(join(ROOT, '.npmrc'), 'utf8')).not.toMatch(/onnxruntime/);
      // npm's own view: nothing with an install script is left unreviewed (read-only; touches no files).
      const pending = execFileSync('npm', ['approve-scripts', '--allow-scripts-pending'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(pending).toMatch(/No packages with unreviewed install scripts/);
    },
  );
});
