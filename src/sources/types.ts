/**
 * The metrics-source port: where golden signals come from (the demo fleet, Prometheus, CSV).
 * Times are milliseconds since the epoch; values are in the signal's unit.
 */
export const GOLDEN_SIGNALS = ['latency_p50', 'latency_p99', 'error_rate', 'request_rate', 'cpu', 'memory'] as const;
export type Signal = (typeof GOLDEN_SIGNALS)[number];

export const SIGNAL_UNITS: Record<Signal, string> = {
  latency_p50: 'ms',
  latency_p99: 'ms',
  error_rate: 'ratio', // errors / requests, 0..1
  request_rate: 'req/s',
  cpu: 'ratio', // of the cores requested, 0..1+
  memory: 'ratio', // of the memory limit, 0..1
};

/** Upper bounds a healthy service stays under (a services catalog's SLO objectives). */
export interface Objectives {
  latency_p99_ms: number;
  error_rate: number;
  cpu: number;
  memory: number;
  /** Availability SLO target (0.999 = 99.9%) for error-budget burn rates; defaults to 1 - error_rate. */
  availability?: number;
}

export interface ServiceInfo {
  name: string;
  description: string;
  objectives: Objectives;
  /** The services it calls (`depends_on` in the services catalog); absent when unknown. */
  dependsOn?: string[];
}

export interface SeriesQuery {
  service: string;
  signal: Signal;
  startMs: number;
  endMs: number;
  /** Defaults to the source's native step. */
  stepMs?: number;
}

export interface Series {
  service: string;
  signal: Signal;
  unit: string;
  stepMs: number;
  /** Ascending timestamps, inclusive of start and end when they fall on a step. */
  points: Array<[timestampMs: number, value: number]>;
}

export interface MetricsSource {
  readonly kind: 'demo' | 'prometheus' | 'csv';
  services(): Promise<ServiceInfo[]>;
  /** Rejects with AppError('not_found') for an unknown service, 'bad_request' for a bad range. */
  query(query: SeriesQuery): Promise<Series>;
  /** Throws when the source cannot be reached (doctor, readiness). */
  check(): Promise<void>;
}
