import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli';

/** Drive `chat` on a real pseudo-terminal (util-linux `script`), typing lines like a person. */
function onTerminal(lines: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} chat --as bob`, '/dev/null'], { env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`REPL timed out:\n${output}`));
    }, 20_000);
    // Type one line once the prompt for it has appeared.
    let typed = 0;
    const typeNext = setInterval(() => {
      const prompts = output.split('ops> ').length - 1;
      if (typed < lines.length && prompts > typed && !/Checking every service over the last hour…(?![\s\S]*services (un)?healthy)/.test(output)) {
        child.stdin.write(`${lines[typed++]}\r`);
      }
    }, 100);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(typeNext);
      resolve({ code, output });
    });
  });
}

describe('chat on a terminal', () => {
  it('prompts, shows live progress on a status line, keeps history, and exits on `exit`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sco-repl-'));
    const { code, output } = await onTerminal(['status', 'jobs', 'exit'], { DATABASE_PATH: join(dir, 'db.sqlite') });
    expect(code).toBe(0);
    expect(output).toContain('SmartCloudOps console as bob');
    expect(output).toMatch(/… \d+% checked [a-z-]+/); // the live progress line
    expect(output).toMatch(/services? (un)?healthy/);
    expect(output).toMatch(/status\s+completed\s+100%/);
    expect(readFileSync(join(dir, 'console_history'), 'utf8')).toBe('status\njobs\n');
  });
});
