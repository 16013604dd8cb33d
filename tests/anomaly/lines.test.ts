import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough, Readable } from 'node:stream';
import { readLines } from '../../src/anomaly/io/lines';
import { createRng } from '../../src/anomaly/iforest';

/** The lines node:readline gives (crlfDelay: Infinity, as detect used) for these chunks. */
async function viaReadline(chunks: Buffer[]): Promise<string[]> {
  const lines: string[] = [];
  const rl = createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
  rl.on('line', (l) => lines.push(l));
  await once(rl, 'close');
  return lines;
}

async function viaReadLines(chunks: Buffer[]): Promise<string[]> {
  const lines: string[] = [];
  const source = Readable.from(chunks);
  await new Promise<void>((resolve) => readLines(source, { line: (l) => lines.push(l), end: resolve }));
  return lines;
}

/** Text from pieces that stress line endings and UTF-8, cut into chunks at random byte offsets. */
function randomChunks(seed: number): Buffer[] {
  const rng = createRng(seed).next;
  const pieces = ['a', 'bc', ',', '1.5', '\n', '\r', '\r\n', '\n\r', 'é', '€', ' ', ''];
  let text = '';
  const length = 1 + Math.floor(rng() * 60);
  for (let i = 0; i < length; i++) text += pieces[Math.floor(rng() * pieces.length)];
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1 + Math.floor(rng() * 8);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('readLines', () => {
  it('gives exactly the lines node:readline gives (CR, LF, CRLF split across chunks, UTF-8 split)', async () => {
    for (let seed = 1; seed <= 400; seed++) {
      const chunks = randomChunks(seed);
      expect({ seed, lines: await viaReadLines(chunks) }).toEqual({ seed, lines: await viaReadline(chunks) });
    }
  });

  it('stops after close, and pause holds the stream until resume', async () => {
    const source = new PassThrough();
    const lines: string[] = [];
    let ended = false;
    const reader = readLines(source, {
      line: (l) => {
        lines.push(l);
        if (l === 'stop') reader.close();
      },
      end: () => (ended = true),
    });
    reader.pause();
    source.write('one\ntwo\n');
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([]);
    reader.resume();
    source.write('stop\nafter\n');
    source.end('last');
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual(['one', 'two', 'stop']);
    expect(ended).toBe(false);
  });
});
