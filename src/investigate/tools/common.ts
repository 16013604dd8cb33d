/** What the investigation tools share: the time window input, trimming and downsampling. */
import { z } from 'zod';
import { AppError } from '../../errors';
import type { MetricsSource, ServiceInfo } from '../../sources/types';

/** Longest text (a summary, an annotation, a label) a tool returns. */
export const MAX_TEXT = 300;

export const serviceName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._-]+$/, 'a service name: letters, digits, dot, dash or underscore');

/** The end of a window: an ISO time (default: now). */
export const until = z.iso.datetime({ offset: true }).optional().describe('End of the window, ISO 8601 (default: now)');

export function minutes(def: number, max: number) {
  return z.number().int().min(1).max(max).default(def).describe(`Window length in minutes (1..${max}, default ${def})`);
}

/** The window [fromMs, toMs] of `minutes` ending at `until` (default now); never in the future. */
export function windowOf(input: { minutes: number; until?: string }, now: number): { fromMs: number; toMs: number } {
  const toMs = input.until === undefined ? now : Math.min(Date.parse(input.until), now);
  return { fromMs: toMs - input.minutes * 60_000, toMs };
}

export function trimText(text: string, max = MAX_TEXT): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A record of strings with each value trimmed and at most `maxKeys` keys. */
export function trimRecord(record: Record<string, string>, maxKeys = 20, max = MAX_TEXT): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record)
      .slice(0, maxKeys)
      .map(([k, v]) => [trimText(k, 100), trimText(String(v), max)]),
  );
}

/** At most `max` points: the mean of `max` near-equal buckets (time of each bucket's first point). */
export function downsample(points: ReadonlyArray<readonly [number, number]>, max: number): Array<[number, number]> {
  if (points.length <= max) return points.map(([t, v]) => [t, round(v)]);
  const out: Array<[number, number]> = [];
  for (let b = 0; b < max; b++) {
    const from = Math.floor((b * points.length) / max);
    const bucket = points
      .slice(from, Math.floor(((b + 1) * points.length) / max))
      .filter(([, v]) => Number.isFinite(v));
    if (bucket.length) out.push([points[from][0], round(bucket.reduce((a, [, v]) => a + v, 0) / bucket.length)]);
  }
  return out;
}

/** Four significant digits: enough for a person or a model, far fewer tokens. */
export function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : v;
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

/** The service from the catalog, or AppError('not_found') naming the known ones. */
export async function serviceInfo(source: MetricsSource, name: string): Promise<ServiceInfo> {
  const services = await source.services();
  const found = services.find((s) => s.name === name);
  if (!found)
    throw new AppError(
      'not_found',
      `Unknown service “${name}”; known: ${services.map((s) => s.name).join(', ') || 'none'}.`,
    );
  return found;
}
