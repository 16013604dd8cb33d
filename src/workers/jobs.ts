import type { Signal } from '../sources/types';

/** Job name -> data and result: the one typed map shared by producers (commands) and workers. */
export interface StatusJobData {
  /** One service, or every service in the catalog when absent. */
  service?: string;
  windowS: number;
  /** Evaluate at this time (ms); defaults to the worker's clock. */
  atMs?: number;
}

export interface ServiceStatus {
  name: string;
  healthy: boolean;
  /** One sentence per breached objective, e.g. "p99 latency 912 ms > 300 ms". */
  problems: string[];
  /** Mean over the last 5 minutes, per signal. */
  latest: Record<Signal, number>;
  /** The signal that looks worst relative to its objective, for a trend line. */
  trend: { signal: Signal; values: number[] };
}

export interface StatusJobResult {
  atMs: number;
  windowS: number;
  services: ServiceStatus[];
}

export type Jobs = {
  status: { data: StatusJobData; result: StatusJobResult };
};
