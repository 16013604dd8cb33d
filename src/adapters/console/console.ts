import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Conversation } from '../../chat/conversation';
import type { ChannelPoster, IncomingMessage, ReplySink } from '../../ports/chat';
import { consoleSink, type ConsoleOutput } from './poster';

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
  return { platform: 'console', user: options.user, userName: options.user, channel: options.channel, text };
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
  let statusShown = false;
  let closed = false;
  rl.on('close', () => (closed = true));
  const out: ConsoleOutput = {
    write(text) {
      clearLine();
      options.output.write(text);
      if (!closed) rl.prompt(true);
    },
    status(text) {
      if (statusShown) options.output.write('\x1b[1A'); // replace the previous status line
      clearLine();
      options.output.write(`\x1b[2m${text}\x1b[22m\n`);
      statusShown = true;
      if (!closed) rl.prompt(true);
    },
    clearStatus() {
      if (!statusShown) return;
      options.output.write('\x1b[1A\x1b[2K'); // the status line sits just above the prompt
      statusShown = false;
    },
  };
  function clearLine() {
    options.output.write('\r\x1b[2K');
  }
  const sink = consoleSink(out, { color: true, chartsDir: options.chartsDir });
  let noticeSeq = 0;
  const stopNotices = options.notices?.({
    local: true,
    async post(channel, reply, thread) {
      if (channel === options.channel) await sink.post(reply);
      return { channel, id: `console-notice-${++noticeSeq}`, thread: thread ?? channel };
    },
    async update(message, reply) {
      if (message.channel === options.channel) await sink.post(reply);
    },
  });
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
  rl.on('SIGINT', () => {
    if (rl.line) {
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      options.output.write('^C\n');
      rl.prompt();
    } else if (followed.size) {
      stopFollowing();
    } else {
      rl.close();
    }
  });
  function stopFollowing() {
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
  }
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
      statusShown = false;
      const f: Followed = { text, stopped: false };
      // Followed from the start: a Ctrl-C while the reply is still coming stops it too.
      const handling = options.conversation.handleMessage(message(options, text), sinkFor(f));
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
    }
    if (!closed) {
      clearLine(); // a reply may have re-prompted already
      rl.prompt(true);
    }
  }
  rl.close();
  stopNotices?.();
  if (detached.size) {
    const what = [...detached].map(label).join(', ');
    options.output.write(
      `Leaving while ${what} ${detached.size === 1 ? 'is' : 'are'} still running here: given SHUTDOWN_GRACE_MS to finish, else resumed on the next start.\n`,
    );
  }
  await waitForFollowed(options.output, [...followed.values()]);
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
