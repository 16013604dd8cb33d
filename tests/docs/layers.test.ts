import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** A copy of the project's layer check (config, ARCHITECTURE.md, tsconfig, src/) to break on purpose. */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sco-layers-'));
  for (const f of ['.dependency-cruiser.cjs', 'ARCHITECTURE.md', 'tsconfig.json', 'package.json']) {
    cpSync(join(ROOT, f), join(dir, f));
  }
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function check(dir: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '-T', 'err'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('the layer check (npm run lint: dependency-cruiser over the ARCHITECTURE.md layer table)', () => {
  let dir: string;
  beforeAll(() => {
    dir = copyProject();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on the code as it is', () => {
    const { status, output } = check(dir);
    expect(output).not.toMatch(/error/);
    expect(status).toBe(0);
  });

  it('fails on an import from a lower layer into a higher one, and names both files and the rule', () => {
    appendFileSync(join(dir, 'src', 'reply', 'model.ts'), "\nexport { createCommands } from '../commands/handler';\n");
    const { status, output } = check(dir);
    expect(status).not.toBe(0);
    expect(output).toContain('layer-base: src/reply/model.ts → src/commands/handler.ts');
  });

  it('fails when the intent layer imports a chat SDK, fastify or the database driver, type imports included', () => {
    writeFileSync(
      join(dir, 'src', 'intent', 'wrong.ts'),
      "import type { FastifyInstance } from 'fastify';\nexport type Server = FastifyInstance;\n",
    );
    const { status, output } = check(dir);
    expect(status).not.toBe(0);
    expect(output).toMatch(/no-platform-in-core: src\/intent\/wrong\.ts → .*fastify/);
  });

  it('fails when anything a worker loads reaches the database', () => {
    appendFileSync(join(dir, 'src', 'workers', 'status.ts'), "\nexport { openStore } from '../store/store';\n");
    const { status, output } = check(dir);
    expect(status).not.toBe(0);
    expect(output).toContain('worker-no-database: src/app/worker.ts → src/store/store.ts');
  });

  it('fails on a source file that is in no layer of the table', () => {
    writeFileSync(join(dir, 'src', 'stray.ts'), 'export const stray = 1;\n');
    const { status, output } = check(dir);
    expect(status).not.toBe(0);
    expect(output).toContain('not in any layer of ARCHITECTURE.md (add them to the table): src/stray.ts');
  });
});
