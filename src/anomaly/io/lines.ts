/**
 * The lines of a text stream exactly as node:readline gives them with `crlfDelay: Infinity` (a line
 * ends at \n, \r\n or a lone \r, a \r\n split across two chunks ends one line, and the last line
 * counts without an ending) but without readline's per-line event and regex: a chunk's lines are
 * handed over in one loop, split with indexOf when the chunk has no \r (the usual case). Errors
 * are the source's: listen to them there.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface LineReader {
  /** Stops reading after the lines of the current chunk (as readline's pause: those still come). */
  pause(): void;
  resume(): void;
  /** Stops for good: no more lines, no `onEnd`. */
  close(): void;
}

export interface LineHandlers {
  line(text: string): void;
  /** The input has ended and every line has been handed over. */
  end(): void;
}

/** readline's line ending. */
const LINE_ENDING = /\r?\n|\r(?!\n)/;

export function readLines(source: Readable, on: LineHandlers): LineReader {
  const decoder = new StringDecoder('utf8');
  let rest = ''; // the unfinished line
  let sawReturn = false; // the last chunk ended with \r: a \n starting the next one ends no line
  let closed = false;
  const ending = new RegExp(LINE_ENDING, 'g');

  const onData = (chunk: Buffer | string) => {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (sawReturn && text.charCodeAt(0) === 10) text = text.slice(1);
    sawReturn = false;
    if (text.indexOf('\r') >= 0) return splitLikeReadline(text);
    let end = text.indexOf('\n');
    if (end < 0) {
      rest += text;
      return;
    }
    const all = rest === '' ? text : rest + text;
    end += all.length - text.length;
    let start = 0;
    while (end >= 0 && !closed) {
      on.line(all.slice(start, end));
      start = end + 1;
      end = all.indexOf('\n', start);
    }
    rest = all.slice(start);
  };

  /** A chunk with a \r in it (so at least one line ending): readline's own algorithm. */
  const splitLikeReadline = (text: string) => {
    const all = rest + text;
    rest = '';
    sawReturn = all.endsWith('\r');
    ending.lastIndex = 0;
    let start = 0;
    for (let m = ending.exec(all); m !== null && !closed; m = ending.exec(all)) {
      on.line(all.slice(start, m.index));
      start = ending.lastIndex;
    }
    rest = all.slice(start);
  };

  const onEnd = () => {
    if (closed) return;
    if (rest.length > 0) on.line(rest);
    if (closed) return;
    closed = true;
    on.end();
  };

  source.on('data', onData);
  source.on('end', onEnd);
  source.resume();
  return {
    pause: () => source.pause(),
    resume: () => {
      if (!closed) source.resume();
    },
    close: () => {
      closed = true;
      source.off('data', onData);
      source.off('end', onEnd);
      source.pause();
    },
  };
}
