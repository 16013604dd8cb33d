import { existsSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { systemClock, type Clock } from '../../clock';
import { AppError } from '../../errors';
import { createSilentLogger, type Logger } from '../../log/logger';
import {
  assertSeriesQuery,
  DEFAULT_OBJECTIVES,
  describeWindow,
  SERVICE_NAME,
  serviceInfo,
  type CatalogService,
} from '../catalog';
import {
  SIGNAL_UNITS,
  type MetricsSource,
  type Series,
  type SeriesQuery,
  type ServiceInfo,
  type Signal,
} from '../types';
import { readRange } from './read';

export interface CsvSourceOptions {
  /** The folder of METRICS_SOURCE=csv:DIR: DIR/<service>/<signal>.csv. */
  dir: string;
  /** The services catalog, when there is one: descriptions and objectives by name. */
  services?: readonly CatalogService[];
  log?: Logger;
  clock?: Clock;
}

/** The step reported for a series with fewer than two points. */
export const DEFAULT_CSV_STEP_MS = 60_000;

/**
 * Golden signals from CSV files: DIR/<service>/<signal>.csv with the header `timestamp,value`
 * (see read.ts and timestamp.ts for what a row may hold). Each sub-folder with a lower-case name
 * is a service; its objectives come from the catalog when it lists the service, else DEFAULT_OBJECTIVES.
 *
 * query() reads the file line by line and keeps the rows in range, sorted by time. Without
 * stepMs the points are the rows themselves and stepMs is their median spacing. With stepMs,
 * rows are averaged per step: a point at T (a multiple of the step inside the range) is the mean
 * of the rows in (T - step, T]; rows after the last such T are left out (an incomplete step).
 * No row in range is not_found, with the span the file covers.
 */
export class CsvSource implements MetricsSource {
  readonly kind = 'csv' as const;
  readonly dir: string;
  private readonly catalog: Map<string, CatalogService>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly warnedNames = new Set<string>();

  constructor(options: CsvSourceOptions) {
    if (!options.dir) throw new AppError('config_invalid', 'CsvSource needs dir: set METRICS_SOURCE=csv:DIR.');
    this.dir = resolve(options.dir);
    if (!existsSync(this.dir) || !statSync(this.dir).isDirectory()) {
      throw new AppError(
        'config_invalid',
        `METRICS_SOURCE=csv:${options.dir}: ${this.dir} is not a directory; ` +
          'create it with one folder per service holding <signal>.csv files (timestamp,value).',
      );
    }
    this.catalog = new Map((options.services ?? []).map((s) => [s.name, s]));
    this.log = options.log ?? createSilentLogger();
    this.clock = options.clock ?? systemClock;
  }

  async services(): Promise<ServiceInfo[]> {
    const names = await this.serviceNames();
    return names.map((name) => {
      const known = this.catalog.get(name);
      if (known) return serviceInfo(known, `CSV data in ${join(this.dir, name)}`);
      return { name, description: `CSV data in ${join(this.dir, name)}`, objectives: { ...DEFAULT_OBJECTIVES } };
    });
  }

  async check(): Promise<void> {
    try {
      if (!(await stat(this.dir)).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new AppError(
        'unavailable',
        `the CSV directory ${this.dir} is not readable: ` +
          `${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        { cause: err },
      );
    }
  }

  async query(query: SeriesQuery): Promise<Series> {
    assertSeriesQuery(query, await this.serviceNames());
    const { service, signal, startMs, endMs, stepMs } = query;
    const file = join(this.dir, service, `${signal}.csv`);
    if (!existsSync(file))
      throw new AppError(
        'not_found',
        `no CSV file for ${service} ${signal}: expected ${file} with the header timestamp,value`,
      );
    const read = await readRange(file, startMs, endMs);
    if (read.badRows > 0) {
      this.log.warn('csv rows skipped', {
        file,
        skipped: read.badRows,
        examples: read.examples.map((e) => `line ${e.line}: ${e.reason}`),
      });
    }
    if (read.unsorted) this.log.debug('csv rows out of time order; sorted', { file });
    if (read.points.length === 0) {
      const span =
        read.firstMs === undefined
          ? 'the file has no readable rows'
          : `the file covers ${new Date(read.firstMs).toISOString()} ` +
            `to ${new Date(read.lastMs ?? read.firstMs).toISOString()}`;
      const skipped = read.badRows > 0 ? ` (${read.badRows} bad row${read.badRows > 1 ? 's' : ''} skipped)` : '';
      throw new AppError(
        'not_found',
        `no data for ${service} ${signal} ${describeWindow(startMs, endMs, this.clock())}: ${span}${skipped} (${file})`,
      );
    }
    if (stepMs === undefined) return series(service, signal, medianStep(read.points), read.points);
    return series(service, signal, stepMs, bucketMeans(read.points, endMs, stepMs));
  }

  /** Sub-folders with a service-like name, sorted; others are skipped with a warning (once each). */
  private async serviceNames(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.dir, { withFileTypes: true });
    } catch (err) {
      throw new AppError(
        'unavailable',
        `the CSV directory ${this.dir} is not readable: ` +
          `${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        { cause: err },
      );
    }
    const names: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const isDir =
        e.isDirectory() ||
        (e.isSymbolicLink() && (await stat(join(this.dir, e.name)).catch(() => undefined))?.isDirectory() === true);
      if (!isDir) continue;
      if (SERVICE_NAME.test(e.name)) names.push(e.name);
      else if (!this.warnedNames.has(e.name)) {
        this.warnedNames.add(e.name);
        this.log.warn('csv folder skipped: a service name is lower-case letters, digits and -', {
          dir: this.dir,
          folder: e.name,
        });
      }
    }
    return names.sort();
  }
}

function series(service: string, signal: Signal, stepMs: number, points: Series['points']): Series {
  return { service, signal, unit: SIGNAL_UNITS[signal], stepMs, points };
}

function medianStep(points: Series['points']): number {
  if (points.length < 2) return DEFAULT_CSV_STEP_MS;
  const gaps = points.slice(1).map(([t], i) => t - (points[i] as [number, number])[0]);
  gaps.sort((a, b) => a - b);
  return Math.max(1, Math.round(gaps[Math.floor(gaps.length / 2)] as number));
}

/** Mean of the rows in (T - step, T] for each multiple T of the step in [startMs, endMs]. */
function bucketMeans(points: Series['points'], endMs: number, stepMs: number): Series['points'] {
  const last = Math.floor(endMs / stepMs) * stepMs;
  const out: Series['points'] = [];
  let key: number | undefined;
  let sum = 0;
  let n = 0;
  for (const [t, v] of points) {
    if (t > last) break;
    const k = Math.ceil(t / stepMs) * stepMs; // t >= startMs, so k is inside the range
    if (k !== key) {
      if (key !== undefined) out.push([key, sum / n]);
      key = k;
      sum = 0;
      n = 0;
    }
    sum += v;
    n += 1;
  }
  if (key !== undefined) out.push([key, sum / n]);
  return out;
}
