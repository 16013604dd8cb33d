import { GOLDEN_SIGNALS, type Signal } from '../sources/types';

/** Words people use for each golden signal; the first match in the user's phrase wins. */
const WORDS: Array<[RegExp, Signal]> = [
  [/\b(p50|median|50th)\b/, 'latency_p50'],
  [/\b(p9\d|99th|tail|latency|latencies|slow|response time|duration)\b/, 'latency_p99'],
  [/\b(errors?|error rate|5xx|failures?|exceptions?)\b/, 'error_rate'],
  [/\b(traffic|rps|qps|requests?|throughput|load)\b/, 'request_rate'],
  [/\b(cpu|processor|saturation)\b/, 'cpu'],
  [/\b(memory|mem|ram|heap|rss|oom)\b/, 'memory'],
];

/**
 * The signals a user's metric words point at ("p99 latency" -> latency_p99), all golden signals
 * when no metric was named, or an empty list when the words name none.
 */
export function signalsFor(metric: string | undefined): Signal[] {
  if (metric === undefined || metric.trim() === '') return [...GOLDEN_SIGNALS];
  const words = metric.toLowerCase();
  const exact = GOLDEN_SIGNALS.find((s) => s === words.replace(/\s+/g, '_'));
  if (exact) return [exact];
  const hit = WORDS.find(([pattern]) => pattern.test(words));
  return hit ? [hit[1]] : [];
}
