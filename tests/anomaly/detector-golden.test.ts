/**
 * Golden output of the detector with every channel on (the learned ONNX channel and record
 * included): hashes of what `detect` writes for a few NAB files and a generated series, and of
 * every field of every Detection. Speed work must leave these alone; a change meant to move the
 * scores updates the hashes in the same commit and says why (and reruns `npm run bench:nab`).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nabPaths } from '../../bench/nab/paths';
import { writeSeries } from '../../bench/nab/throughput';
import { detectCsv, parseTimestampMs, parseValue } from '../../src/anomaly/csv-io';
import { createDetector } from '../../src/anomaly/detector';
import { createLearnedChannel } from '../../src/anomaly/learned';
import { scoreChunk } from '../../src/anomaly/run';

const dir = mkdtempSync(join(tmpdir(), 'sco-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** What `detect` writes for a file (createDetector() and createLearnedChannel() defaults). */
async function detectHash(input: string): Promise<string> {
  const output = join(dir, 'out.csv');
  const learned = createLearnedChannel();
  try {
    await detectCsv({ input, output, detector: createDetector(), learned });
  } finally {
    await learned.close();
  }
  return sha(readFileSync(output, 'utf8'));
}

/** Every field of every Detection (score, driver, bands, reason), in chunks as `detect` feeds them. */
async function detectionsHash(input: string): Promise<string> {
  const rows = readFileSync(input, 'utf8').trimEnd().split(/\r?\n/).slice(1);
  const ts = rows.map((r) => parseTimestampMs(r.slice(0, r.indexOf(','))));
  const values = rows.map((r) => parseValue(r.slice(r.indexOf(',') + 1)));
  const detector = createDetector();
  const learned = createLearnedChannel();
  const hash = createHash('sha256');
  try {
    for (let at = 0; at < rows.length; at += 4096) {
      const chunk = await scoreChunk(detector, learned, ts.slice(at, at + 4096), values.slice(at, at + 4096));
      for (const d of chunk) hash.update(`${JSON.stringify(d)}\n`);
    }
  } finally {
    await learned.close();
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Re-pinned when the defaults moved to window 600 and refractoryHalfLife 150 (issue 19, chosen by the
 * cross-validation grid); rogue_agent and CVS once caught a speed-up's slip.
 */
const NAB_FILES = {
  'realKnownCause/machine_temperature_system_failure.csv': { csv: '73615ac0043b5cc2', detections: 'c198a6d807cea206' },
  'realKnownCause/rogue_agent_key_updown.csv': { csv: 'f10719baf0bc03a5', detections: 'd177d060b93ef504' },
  'realTweets/Twitter_volume_CVS.csv': { csv: '0f579541e82dc85f', detections: '86f263f7b2d2f89b' },
  'realAdExchange/exchange-2_cpc_results.csv': { csv: '32ad503c398eec72', detections: 'e0ba607549a2f2dd' },
};

describe('detector golden output (every channel on)', () => {
  for (const [rel, want] of Object.entries(NAB_FILES)) {
    it(`is unchanged on NAB ${rel}`, async () => {
      const input = join(nabPaths().dataDir, rel);
      expect({ csv: await detectHash(input), detections: await detectionsHash(input) }).toEqual(want);
    });
  }

  it('is unchanged on 20,000 rows of the throughput bench series', async () => {
    const input = join(dir, 'series.csv');
    await writeSeries(input, 20_000);
    expect({ csv: await detectHash(input), detections: await detectionsHash(input) }).toEqual({
      csv: 'f93e5a5b3a4ac072',
      detections: 'e0b2829a1bdb1d23',
    });
  });
});
