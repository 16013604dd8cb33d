import type { Objectives } from '../types';

/** What a demo service looks like when nothing is wrong with it. */
export interface Baseline {
  /** Mean total request rate across all replicas, req/s. */
  requestRate: number;
  /** Daily swing of the request rate, as a fraction of the mean (0.3 = ±30%). */
  dailyAmplitude: number;
  /** Hour of the day (UTC) when traffic peaks. */
  peakHourUtc: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** errors / requests */
  errorRate: number;
  /** Of the cores requested, at mean traffic with the default replica count. */
  cpu: number;
  /** Of the memory limit. */
  memory: number;
}

export interface DemoServiceSpec {
  name: string;
  description: string;
  replicas: number;
  baseline: Baseline;
  objectives: Objectives;
  /** The services it calls: a DEMO_FAULTS fault on one of them shows here too, weaker and later (model.ts). */
  dependsOn: string[];
}

/**
 * The demo fleet. The healthy baseline, with its daily cycle and noise, stays under every
 * objective; incidents (incidents.ts) push one signal well past one.
 */
export const DEMO_SERVICES: readonly DemoServiceSpec[] = [
  {
    name: 'checkout-api',
    description: 'Public checkout API: carts, orders and the checkout flow.',
    replicas: 4,
    dependsOn: ['payments', 'inventory', 'auth-gateway'],
    baseline: {
      requestRate: 220,
      dailyAmplitude: 0.35,
      peakHourUtc: 19,
      latencyP50Ms: 45,
      latencyP99Ms: 250,
      errorRate: 0.003,
      cpu: 0.38,
      memory: 0.5,
    },
    objectives: { latency_p99_ms: 700, error_rate: 0.01, cpu: 0.8, memory: 0.85 },
  },
  {
    name: 'payments',
    description: 'Payment authorisation and capture; calls the card processor.',
    replicas: 3,
    dependsOn: [],
    baseline: {
      requestRate: 60,
      dailyAmplitude: 0.35,
      peakHourUtc: 19,
      latencyP50Ms: 120,
      latencyP99Ms: 450,
      errorRate: 0.002,
      cpu: 0.3,
      memory: 0.55,
    },
    objectives: { latency_p99_ms: 1200, error_rate: 0.01, cpu: 0.8, memory: 0.85 },
  },
  {
    name: 'inventory',
    description: 'Stock levels and reservations for the product catalog.',
    replicas: 3,
    dependsOn: [],
    baseline: {
      requestRate: 140,
      dailyAmplitude: 0.3,
      peakHourUtc: 18,
      latencyP50Ms: 25,
      latencyP99Ms: 110,
      errorRate: 0.001,
      cpu: 0.32,
      memory: 0.4,
    },
    objectives: { latency_p99_ms: 400, error_rate: 0.01, cpu: 0.8, memory: 0.7 },
  },
  {
    name: 'search',
    description: 'Full-text product search behind the storefront.',
    replicas: 3,
    dependsOn: ['inventory'],
    baseline: {
      requestRate: 300,
      dailyAmplitude: 0.25,
      peakHourUtc: 20,
      latencyP50Ms: 35,
      latencyP99Ms: 120,
      errorRate: 0.001,
      cpu: 0.42,
      memory: 0.6,
    },
    objectives: { latency_p99_ms: 300, error_rate: 0.01, cpu: 0.8, memory: 0.85 },
  },
  {
    name: 'auth-gateway',
    description: 'Login, token issuance and session checks in front of every API.',
    replicas: 3,
    dependsOn: [],
    baseline: {
      requestRate: 500,
      dailyAmplitude: 0.3,
      peakHourUtc: 19,
      latencyP50Ms: 8,
      latencyP99Ms: 40,
      errorRate: 0.0005,
      cpu: 0.3,
      memory: 0.35,
    },
    objectives: { latency_p99_ms: 150, error_rate: 0.005, cpu: 0.8, memory: 0.85 },
  },
];

export const DEMO_SERVICE_NAMES: readonly string[] = DEMO_SERVICES.map((s) => s.name);

export const MIN_REPLICAS = 1;
export const MAX_REPLICAS = 50;
