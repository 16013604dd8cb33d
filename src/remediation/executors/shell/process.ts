/**
 * Running one script without a shell: its own process group, stdout and stderr captured together
 * (the middle dropped past a limit), SIGTERM then SIGKILL to the whole group on timeout or cancel.
 */
import { spawn } from 'node:child_process';

/** After the script exits, how long a leftover background process may keep its output open. */
const DRAIN_MS = 1000;
const SUMMARY_LINES = 3;
export const SUMMARY_CHARS = 300;

export interface RunOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  output: string;
  truncatedBytes: number;
}

/** stdout + stderr in arrival order, keeping the first and the last halves past `max` bytes. */
class Output {
  private readonly headMax: number;
  private readonly tailMax: number;
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private total = 0;

  constructor(max: number) {
    this.headMax = Math.floor(max / 2);
    this.tailMax = max - this.headMax;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.head.length < this.headMax) {
      const take = rest.subarray(0, this.headMax - this.head.length);
      this.head = Buffer.concat([this.head, take]);
      rest = rest.subarray(take.length);
    }
    if (rest.length > 0) {
      const joined = Buffer.concat([this.tail, rest]);
      this.tail = joined.length > this.tailMax ? joined.subarray(joined.length - this.tailMax) : joined;
    }
  }

  get truncatedBytes(): number {
    return this.total - this.head.length - this.tail.length;
  }

  text(): string {
    const dropped = this.truncatedBytes;
    if (dropped === 0) return Buffer.concat([this.head, this.tail]).toString('utf8');
    return `${this.head.toString('utf8')}\n[truncated ${dropped} bytes]\n${this.tail.toString('utf8')}`;
  }
}

/** The last few non-empty lines of output, on one line, for the chat summary. */
export function tailOf(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return '(no output)';
  const text = lines.slice(-SUMMARY_LINES).join(' | ');
  return text.length > SUMMARY_CHARS ? `…${text.slice(text.length - SUMMARY_CHARS)}` : text;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function run(
  file: string,
  argv: string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs: number;
    maxOutputBytes: number;
    killGraceMs: number;
    signal: AbortSignal;
    onKill(why: string): void;
  },
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const output = new Output(options.maxOutputBytes);
    const timers: NodeJS.Timeout[] = [];
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });

    const stop = (why: 'timeout' | 'cancel'): void => {
      if (timedOut || cancelled || exit) return;
      if (why === 'timeout') timedOut = true;
      else cancelled = true;
      options.onKill(why);
      killGroup(child.pid, 'SIGTERM');
      timers.push(setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs));
    };
    const onAbort = (): void => stop('cancel');

    const finish = (outcome: RunOutcome | { startError: unknown }): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      // Once we started stopping it, nothing of the group may outlive the run.
      if (timedOut || cancelled) killGroup(child.pid, 'SIGKILL');
      options.signal.removeEventListener('abort', onAbort);
      if ('startError' in outcome) reject(outcome.startError);
      else resolve(outcome);
    };

    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', (err) => {
      if (child.pid === undefined) finish({ startError: err });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A background process the script left behind may hold the pipes open: stop reading soon.
      const drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_MS);
      drain.unref();
      timers.push(drain);
    });
    child.on('close', (code, signal) => {
      const final = exit ?? { code, signal };
      finish({
        exitCode: final.code,
        signal: final.signal,
        timedOut,
        cancelled,
        output: output.text(),
        truncatedBytes: output.truncatedBytes,
      });
    });

    timers.push(setTimeout(() => stop('timeout'), options.timeoutMs));
    if (options.signal.aborted) stop('cancel');
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
}
