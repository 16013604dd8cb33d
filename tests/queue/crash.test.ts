import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '../../src/store/store';
import { eventually } from './contract';

const ROOT = resolve(__dirname, '../..');
const CHILD = join(__dirname, 'crash-child.ts');

/** Runs a .ts entry point in plain Node: a require hook compiles each TS file with @swc/core. */
const TS_HOOK = `
const fs = require('node:fs');
const swc = require('@swc/core');
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename, module: { type: 'commonjs' }, jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
  });
  module._compile(code, filename);
};
require(process.argv[1]);
`;

function runChild(args: string[]): ChildProcess {
  return spawn(process.execPath, ['-e', TS_HOOK, CHILD, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on('exit', (code, signal) => done({ code, signal, stderr })));
}

describe('embedded queue survives SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sco-crash-'));
  const db = join(dir, 'queue.sqlite');
  const journal = join(dir, 'journal.log');
  const lines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n') : []);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes the active and the queued job after a kill, each finishing exactly once', async () => {
    const first = runChild([db, journal, 'first']);
    const firstExit = exited(first);
    await eventually('A started in the first child', () => lines().includes('start A'), 15_000);
    const peek = openStore(db);
    const state = (id: string) =>
      (peek.db.prepare("SELECT state FROM jobs WHERE queue = 'crash' AND id = ?").get(id) as { state: string }).state;
    expect([state('A'), state('B')]).toEqual(['active', 'waiting']);

    first.kill('SIGKILL');
    expect(await firstExit).toMatchObject({ signal: 'SIGKILL' });

    const second = runChild([db, journal, 'resume']);
    const result = await exited(second);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    expect(lines()).toEqual(['start A', 'start A', 'finish A', 'start B', 'finish B']);
    const rows = peek.db
      .prepare("SELECT id, state, result, attempts_made AS attempts FROM jobs WHERE queue = 'crash' ORDER BY id")
      .all();
    expect(rows).toEqual([
      { id: 'A', state: 'completed', result: JSON.stringify('done A'), attempts: 2 },
      { id: 'B', state: 'completed', result: JSON.stringify('done B'), attempts: 1 },
    ]);
    peek.close();
  });
});
