import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Conversation, HandledMessage } from '../../chat/conversation';
import type { ChannelPoster, IncomingMessage, ReplySink } from '../../ports/chat';
import { consoleMessage } from './parse';
import { consoleNoticePoster, consoleSink, type ConsoleOutput } from './poster';

export interface ConsoleOptions {
  conversation: Conversation;
  user: string;
  channel: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WriteStream;
  /** Where the REPL keeps its history between runs (TTY only). */
  historyPath?: string;
  /** Where charts are saved, since a terminal cannot show them. */
  chartsDir: string;
  /** Lines the REPL shows before its first prompt (who you act as, where the logs go). */
  banner?: string[];
  /**
   * Gives the REPL's screen to whoever tells this channel what became of its requests (a
   * remediation approved in another console, in Slack or over REST); returns stop.
   */
  notices?(screen: ChannelPoster): () => void;
}

const PROMPT = 'ops> ';
const HISTORY_SIZE = 500;

function message(options: ConsoleOptions, text: string): IncomingMessage {
  return consoleMessage(options.user, options.channel, text);
}

/**
 * Piped stdin: each line is answered in order (a line that starts a job is answered when the
 * job is done), and the promise resolves when input ends and every job has finished.
 */
export async function runPiped(options: ConsoleOptions): Promise<void> {
  const out: ConsoleOutput = { write: (t) => options.output.write(t) };
  const sink = consoleSink(out, { color: false, chartsDir: options.chartsDir });
  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const handled = await options.conversation.handleMessage(message(options, line), sink);
    await handled.done;
  }
}

/** A message whose reply (and job) this terminal is still showing. */
interface Followed {
  text: string;
  job?: { id: string; name: string };
  /** Set on Ctrl-C: nothing more of it is printed here. */
  stopped: boolean;
}

const label = (f: Followed) => (f.job ? `job ${f.job.id} (${f.job.name})` : `“${f.text}”`);

/**
 * A terminal: prompt, history, live job progress on a status line; jobs run while you type.
 * Ctrl-C with text typed drops the text; with jobs followed it stops following them (they keep
 * running: a careful engineer's Ctrl-C stops waiting, it does not kill production work; `cancel
 * ID` does); at an empty prompt with nothing followed it leaves.
 */
export async function runRepl(options: ConsoleOptions): Promise<void> {
  const history = loadHistory(options.historyPath);
  const rl = createInterface({
    input: options.input,
    output: options.output,
    terminal: true,
    history,
    historySize: HISTORY_SIZE,
    prompt: PROMPT,
  });
  const screen = terminal(rl, options.output);
  const sink = consoleSink(screen.out, { color: true, chartsDir: options.chartsDir });
  const stopNotices = options.notices?.(consoleNoticePoster(sink, options.channel));
  const following = createFollowing(screen.out, sink);
  rl.on('SIGINT', () => {
    if (rl.line) {
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      options.output.write('^C\n');
      rl.prompt();
    } else if (following.size()) {
      following.stopAll();
    } else {
      rl.close();
    }
  });
  options.output.write(
    `SmartCloudOps console as ${options.user} in #${options.channel}. Type \`help\`, or \`exit\` to leave.\n`,
  );
  for (const line of options.banner ?? []) options.output.write(`${line}\n`);
  rl.prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (text === 'exit' || text === 'quit') break;
    if (text) {
      saveHistory(options.historyPath, text);
      screen.forgetStatus();
      await following.run(text, (to) => options.conversation.handleMessage(message(options, text), to));
    }
    if (!screen.closed()) {
      screen.clearLine(); // a reply may have re-prompted already
      rl.prompt(true);
    }
  }
  rl.close();
  stopNotices?.();
  following.sayDetached(options.output);
  await waitForFollowed(options.output, following.pending());
}

/** The terminal's output: replies above the prompt, and one status line just above it for progress. */
function terminal(rl: Interface, output: NodeJS.WriteStream) {
  let statusShown = false;
  let closed = false;
  rl.on('close', () => (closed = true));
  const clearLine = () => {
    output.write('\r\x1b[2K');
  };
  const out: ConsoleOutput = {
    write(text) {
      clearLine();
      output.write(text);
      if (!closed) rl.prompt(true);
    },
    status(text) {
      if (statusShown) output.write('\x1b[1A'); // replace the previous status line
      clearLine();
      output.write(`\x1b[2m${text}\x1b[22m\n`);
      statusShown = true;
      if (!closed) rl.prompt(true);
    },
    clearStatus() {
      if (!statusShown) return;
      output.write('\x1b[1A\x1b[2K'); // the status line sits just above the prompt
      statusShown = false;
    },
  };
  return {
    out,
    clearLine,
    closed: () => closed,
    /** A new line was typed: the status line, if any, scrolled away above it. */
    forgetStatus: () => {
      statusShown = false;
    },
  };
}

/** The messages this terminal still shows the replies (and jobs) of, and what Ctrl-C stopped showing. */
function createFollowing(out: ConsoleOutput, sink: ReplySink) {
  const followed = new Map<Followed, Promise<void>>();
  /** No longer followed, not finished yet: said on leaving, since leaving stops this process's workers. */
  const detached = new Set<Followed>();
  /** The shared sink, silent for a message once it is no longer followed. */
  const sinkFor = (f: Followed): ReplySink => ({
    post: (reply) => (f.stopped ? Promise.resolve({ id: 'console-dropped' }) : sink.post(reply)),
    update: async (ref, reply) => {
      if (!f.stopped) await sink.update(ref, reply);
    },
  });
  return {
    size: () => followed.size,
    pending: () => [...followed.values()],
    /** Hands one typed line on; resolves once it is answered (its job, if any, runs on, followed). */
    async run(text: string, handle: (to: ReplySink) => Promise<HandledMessage>): Promise<void> {
      const f: Followed = { text, stopped: false };
      // Followed from the start: a Ctrl-C while the reply is still coming stops it too.
      const handling = handle(sinkFor(f));
      followed.set(
        f,
        handling
          .then((h) => h.done)
          .catch(() => undefined)
          .finally(() => {
            followed.delete(f);
            detached.delete(f);
          }),
      );
      const handled = await handling;
      if (handled.job) f.job = handled.job;
    },
    stopAll() {
      const stopped = [...followed.keys()];
      followed.clear();
      for (const f of stopped) {
        f.stopped = true;
        detached.add(f);
      }
      out.clearStatus?.();
      const jobs = stopped.filter((f) => f.job).map((f) => f.job as { id: string; name: string });
      const what = stopped.map(label).join(', ');
      const hint =
        jobs.length === 1
          ? `; \`job ${jobs[0].id}\` shows it, \`cancel ${jobs[0].id}\` stops it`
          : jobs.length
            ? '; `jobs` shows them, `cancel ID` stops one'
            : '';
      out.write(`Stopped following ${what}: ${stopped.length === 1 ? 'it keeps' : 'they keep'} running${hint}.\n`);
    },
    sayDetached(output: NodeJS.WriteStream) {
      if (!detached.size) return;
      const what = [...detached].map(label).join(', ');
      output.write(
        `Leaving while ${what} ${detached.size === 1 ? 'is' : 'are'} still running here: ` +
          'given SHUTDOWN_GRACE_MS to finish, else resumed on the next start.\n',
      );
    },
  };
}

/** On leaving, the jobs still followed are waited for; Ctrl-C stops waiting (they resume on the next start). */
async function waitForFollowed(output: NodeJS.WriteStream, dones: Array<Promise<void>>): Promise<void> {
  if (!dones.length) return;
  output.write(`waiting for ${dones.length} job(s) to finish… (Ctrl-C stops waiting)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    void Promise.allSettled(dones).then(() => {
      process.off('SIGINT', stop);
      resolve();
    });
  });
}

function loadHistory(path: string | undefined): string[] {
  if (!path) return [];
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveHistory(path: string | undefined, line: string): void {
  if (!path) return;
  try {
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, `${line}\n`);
  } catch {
    // History is a convenience; never fail a command over it.
  }
}
