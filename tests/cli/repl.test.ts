import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, runCli, waitFor } from '../helpers/cli';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** One step on the terminal: once `when` matches what the terminal shows (after the previous step), type `send`. */
interface Step {
  when: RegExp;
  send: string;
}

/**
 * Drive `chat` on a real pseudo-terminal (util-linux `script`), typing like a person: each step
 * waits for its text to appear after the previous step's input. Resolves when the process exits.
 */
function onTerminal(
  args: string[],
  steps: Step[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; sentAt: number[] }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, BIN, 'chat', ...args].join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm', SHUTDOWN_GRACE_MS: '500', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const sentAt: number[] = [];
    child.stdout.on('data', (d: Buffer) => (output += d.toString().replace(ANSI, '')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`REPL timed out after ${sentAt.length} of ${steps.length} steps:\n${output}`));
    }, 60_000);
    const typeNext = setInterval(() => {
      const step = steps[sentAt.length];
      if (!step || !step.when.test(output.slice(sentAt[sentAt.length - 1] ?? 0))) return;
      sentAt.push(output.length);
      child.stdin.write(step.send);
    }, 100);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(typeNext);
      resolve({ code, output, sentAt });
    });
  });
}

const PROMPT = /ops> $/;
const line = (text: string): Step => ({ when: PROMPT, send: `${text}\r` });
const CTRL_C = '\x03';

describe('chat on a terminal', () => {
  it('prompts, shows live progress on a status line, keeps history, and exits on `exit`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sco-repl-'));
    const { code, output } = await onTerminal(
      ['--as', 'bob'],
      [
        line('status'),
        { when: /services? (un)?healthy[\s\S]*ops> $/, send: 'jobs\r' },
        { when: /Last \d+ jobs[\s\S]*ops> $/, send: 'exit\r' },
      ],
      { DATABASE_PATH: join(dir, 'db.sqlite') },
    );
    expect(code).toBe(0);
    expect(output).toContain('SmartCloudOps console as bob');
    expect(output).toMatch(/… \d+% checked [a-z-]+/); // the live progress line
    expect(output).toMatch(/services? (un)?healthy/);
    expect(output).toMatch(/status\s+completed\s+100%/);
    expect(readFileSync(join(dir, 'console_history'), 'utf8')).toBe('status\njobs\n');
  });

  describe('issue 13.15: the console', () => {
    it(
      'stops following a job on Ctrl-C, gives the prompt back at once and answers the next command; ' +
        'the job keeps running',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'sco-repl-'));
        const { code, output, sentAt } = await onTerminal(
          ['--as', 'bob'],
          [
            line('anomalies'),
            { when: /… \d+% scored/, send: CTRL_C },
            { when: /Stopped following[\s\S]*ops> $/, send: 'jobs\r' },
            { when: /Last \d+ jobs[\s\S]*ops> $/, send: 'exit\r' },
          ],
          { DATABASE_PATH: join(dir, 'db.sqlite') },
        );
        expect(code).toBe(0);
        const after = output.slice(sentAt[1]);
        expect(after).toMatch(/Stopped following job \S+ \(detect_anomalies\): it keeps running/);
        // `jobs` answered, the job not cancelled
        expect(after).toMatch(/detect_anomalies\s+(active|waiting|completed)/);
        expect(after).not.toContain('cancelled');
        expect(after).not.toMatch(/anomalous of \d+ series/); // its result is no longer printed here
      },
      60_000,
    );

    it('drops typed text on Ctrl-C, and exits on Ctrl-C at an empty prompt', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sco-repl-'));
      const { code, output } = await onTerminal(
        ['--as', 'bob'],
        [
          { when: PROMPT, send: '/ops restart checkout-api' },
          { when: /checkout-api$/, send: CTRL_C },
          { when: /\^C[\s\S]*ops> $/, send: 'jobs\r' },
          { when: /No jobs yet[\s\S]*ops> $/, send: CTRL_C },
        ],
        { DATABASE_PATH: join(dir, 'db.sqlite') },
      );
      expect(code).toBe(0);
      expect(output).not.toContain('needs the operator role'); // the dropped text was never sent
    });

    it('keeps log lines out of the conversation: they go to data/logs/chat.log, named in the banner', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sco-repl-'));
      // A viewer asking for a restart is denied, and the denial is logged at warn.
      const { code, output } = await onTerminal(
        ['--as', 'bob'],
        [line('/ops restart checkout-api'), { when: /needs the operator role[\s\S]*ops> $/, send: 'exit\r' }],
        { DATABASE_PATH: join(dir, 'db.sqlite'), LOG_LEVEL: 'info' },
      );
      expect(code).toBe(0);
      const logFile = join(dir, 'logs', 'chat.log');
      expect(output).toContain(`Logs: ${logFile}`);
      expect(output).toContain('needs the operator role; you are viewer');
      expect(output).not.toMatch(/command denied|message handled|"level"|\b(warn|info)\b.*\{/);
      expect(existsSync(logFile)).toBe(true);
      expect(readFileSync(logFile, 'utf8')).toContain('command denied');
    });

    it('says at start who you act as and with which role: a local user, a guest, or your OS account', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sco-repl-'));
      const env = { DATABASE_PATH: join(dir, 'db.sqlite') };
      const me = userInfo().username;
      const add = await runCli(['user', 'add', '--email', `${me}@example.com`, '--role', 'admin', '--name', me], {
        env,
        input: 'a long pass phrase here\n',
      });
      expect(add.code).toBe(0);
      const plain = await onTerminal([], [{ when: PROMPT, send: 'exit\r' }], env);
      expect(plain.output).toContain(
        `Acting as ${me} (admin, the local user named like your OS account ${me}). ` +
          'Use --as NAME to act as someone else.',
      );
      // root is everyone's account on a box: said, so that people act as themselves
      if (me === 'root')
        expect(plain.output).toContain('root is a shared account: use --as NAME so the audit log names you.');
      else expect(plain.output).not.toContain('shared account');
      const guest = await onTerminal(['--as', 'bob'], [{ when: PROMPT, send: 'exit\r' }], env);
      expect(guest.output).toContain('Acting as bob (viewer: no local user is named bob, so DEFAULT_ROLE applies).');
      // Piped, the implicit identity is said on stderr (stdout stays the answers).
      const piped = await runCli(['chat'], { env, input: 'help\n' });
      expect(piped.code).toBe(0);
      expect(piped.stderr).toContain(`Acting as ${me} (admin`);
      expect(piped.stdout).not.toContain('Acting as');
    });
  });
  it('issue 13.12: a request made here and approved in another process: its result reaches this console', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sco-repl-'));
    const env = { DATABASE_PATH: join(dir, 'db.sqlite') };
    expect(
      (
        await runCli(['user', 'add', '--email', 'alice@example.com', '--role', 'operator', '--name', 'alice'], {
          env,
          input: 'a long pass phrase here\n',
        })
      ).code,
    ).toBe(0);
    expect(
      (
        await runCli(['user', 'add', '--email', 'ada@example.com', '--role', 'approver', '--name', 'ada'], {
          env,
          input: 'another long phrase here\n',
        })
      ).code,
    ).toBe(0);
    // alice asks on her terminal and waits there; ada approves from her own (piped) console, another process
    const done = /Remediation r[0-9a-f]{6}: restart inventory done[\s\S]*ops> $/;
    const terminal = onTerminal(
      ['--as', 'alice'],
      [line('/ops restart inventory'), { when: done, send: 'exit\r' }],
      env,
    );
    const db = new Database(env.DATABASE_PATH, { readonly: true, fileMustExist: false });
    try {
      const id = await waitFor(
        async () => {
          try {
            return (
              db.prepare("SELECT id FROM remediation_requests WHERE state = 'pending_approval'").get() as
                { id: string } | undefined
            )?.id;
          } catch {
            return undefined; // the tables are not there yet
          }
        },
        30_000,
        "alice's request",
      );
      const approved = await runCli(['chat', '--as', 'ada'], { env, input: `/ops approve ${id}\n`, timeoutMs: 40_000 });
      expect(approved.code).toBe(0);
      const { code, output } = await terminal;
      expect(code).toBe(0);
      expect(output.match(new RegExp(`Remediation ${id}: restart inventory done`, 'g'))).toHaveLength(1);
    } finally {
      db.close();
    }
  }, 90_000);
});
