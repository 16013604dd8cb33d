/** The Kubernetes executor's shapes: its options, the client module, one write and a prepared action. */
import type { AppsV1Api, KubeConfig, V1Deployment } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { Binding } from '../../types';

export type KubernetesClient = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });
export type KubernetesBinding = Extract<Binding, { kind: 'kubernetes' }>;

export interface KubernetesExecutorOptions {
  /**
   * A kubeconfig file; without it (and without inCluster) the default locations
   * ($KUBECONFIG, ~/.kube/config, in-cluster).
   */
  kubeconfigPath?: string;
  /** Use the pod's service account (loadFromCluster). */
  inCluster?: boolean;
  /** A ready KubeConfig (tests point it at a local fake API server). */
  kubeConfig?: KubeConfig;
  /** The client module, when the caller has loaded it already (tests: jest cannot import() ES modules on Node 20). */
  client?: KubernetesClient;
  /** How often the rollout is polled; default 1000 ms. */
  pollMs?: number;
  /** The clock, for restartedAt and rollout deadlines. */
  now?: () => Date;
}

export const PATCH = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const;
export type PatchType = (typeof PATCH)[keyof typeof PATCH];

/** One write, described exactly as it goes on the wire. */
export interface Write {
  method: 'PATCH';
  path: string;
  query: Record<string, string>;
  contentType: PatchType;
  body: unknown;
}

export interface Prepared {
  deployment: V1Deployment;
  /** Undefined: nothing to write (a rollback to a template the Deployment already runs). */
  write?: Write;
  current: Record<string, unknown>;
  desired: Record<string, unknown>;
  blastRadius: string;
  /** What the chat reply says once the write is done ("restarted", "scaled 3 -> 5"). */
  done: string;
  skipped?: string;
}

/** The loaded client, its Apps API and the server it talks to (for error messages). */
export interface Connection {
  k8s: KubernetesClient;
  apps: AppsV1Api;
  server: string | undefined;
}

/** What the executor's methods share: one connection, the clock, the poll interval and the restart stamps. */
export interface KubeState {
  connect: () => Promise<Connection>;
  now: () => Date;
  pollMs: number;
  /** restartedAt per request id: a repeated execute (or the plan before it) sends the same value. */
  restartStamps: Map<string, string>;
}
