import { parseRules } from '../src/intent/rules';
import { loadFixtures } from './eval-intent';
import { percentile, printTable, round } from './util';

const ROUNDS = 100;

/** Rules parser throughput and per-utterance latency on one core, over the labelled utterances. */
export async function benchIntent(): Promise<void> {
  const texts = [...loadFixtures('intents.jsonl'), ...loadFixtures('intents-holdout.jsonl')].map((c) => c.text);
  for (let i = 0; i < 5; i++) for (const t of texts) parseRules(t); // warm up
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) for (const t of texts) parseRules(t);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = (ROUNDS * texts.length) / seconds;
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    for (const t of texts) {
      const t0 = process.hrtime.bigint();
      parseRules(t);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  latencies.sort((a, b) => a - b);
  const p99 = percentile(latencies, 99);
  printTable(`Rules intent parser (${texts.length} distinct utterances, single thread)`, [
    {
      name: 'throughput',
      value: Math.round(perSecond),
      unit: 'utterances/s',
      target: '>= 20000',
      pass: perSecond >= 20_000,
    },
    { name: 'p50 parse latency', value: round(percentile(latencies, 50), 4), unit: 'ms' },
    { name: 'p99 parse latency', value: round(p99, 4), unit: 'ms', target: '< 1', pass: p99 < 1 },
  ]);
}

if (require.main === module) void benchIntent();
