import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Conversation, IncomingMessage } from '../conversation';
import { consoleSink, type ConsoleOutput } from './sink';

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

/** A terminal: prompt, history, live job progress on a status line; jobs run while you type. */
export async function runRepl(options: ConsoleOptions): Promise<void> {
  const history = loadHistory(options.historyPath);
  const rl = createInterface({ input: options.input, output: options.output, terminal: true, history, historySize: HISTORY_SIZE, prompt: PROMPT });
  let statusShown = false;
  const out: ConsoleOutput = {
    write(text) {
      clearLine();
      options.output.write(text);
      rl.prompt(true);
    },
    status(text) {
      if (statusShown) options.output.write('\x1b[1A'); // replace the previous status line
      clearLine();
      options.output.write(`\x1b[2m${text}\x1b[22m\n`);
      statusShown = true;
      rl.prompt(true);
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
  const pending = new Set<Promise<void>>();
  options.output.write(`SmartCloudOps console as ${options.user} in #${options.channel}. Type \`help\`, or \`exit\` to leave.\n`);
  rl.prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (text === 'exit' || text === 'quit') break;
    if (text) {
      saveHistory(options.historyPath, text);
      statusShown = false;
      const handled = await options.conversation.handleMessage(message(options, text), sink);
      const done = handled.done.finally(() => pending.delete(done));
      pending.add(done);
    }
    rl.prompt();
  }
  rl.close();
  if (pending.size) options.output.write(`waiting for ${pending.size} job(s) to finish…\n`);
  await Promise.all(pending);
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
