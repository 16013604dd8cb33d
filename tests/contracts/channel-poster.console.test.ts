import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { runRepl, type ConsoleOptions } from '../../src/adapters/console/console';
import type { ChannelPoster } from '../../src/ports/chat';
import { channelPosterContract, type SeenMessage } from './channel-poster.contract';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

channelPosterContract(
  'console (the REPL screen it gives the notifiers)',
  async () => {
    const chartsDir = mkdtempSync(join(tmpdir(), 'sco-contract-console-'));
    const input = new PassThrough();
    // What the terminal shows: each write of a rendered reply is one message on the screen.
    const writes: string[] = [];
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        writes.push(chunk.toString());
        done();
      },
    });
    let screen: ChannelPoster | undefined;
    const repl = runRepl({
      conversation: {} as ConsoleOptions['conversation'], // no line is typed: the conversation is never asked
      user: 'contract',
      channel: 'ops',
      input,
      output: output as unknown as NodeJS.WriteStream,
      chartsDir,
      notices: (given) => {
        screen = given;
        return () => undefined;
      },
    });
    if (!screen) throw new Error('runRepl did not hand its screen to notices');
    const startedAt = writes.length;
    // As written (escapes included, so none can hide); prompts and line clearing are not messages.
    const seen = (): SeenMessage[] =>
      writes
        .slice(startedAt)
        .filter((w) => !['', 'ops>'].includes(w.replace(ANSI, '').replace(/\r/g, '').trim()))
        .map((w) => ({ text: w, versions: 1, bytes: Buffer.byteLength(w) }));
    return {
      poster: screen,
      channel: 'ops',
      unknownChannel: 'elsewhere',
      seen,
      async close() {
        input.end();
        await repl;
        rmSync(chartsDir, { recursive: true, force: true });
      },
    };
  },
  { editsInPlace: false, showsAll: true, liveMarkup: [] },
);
