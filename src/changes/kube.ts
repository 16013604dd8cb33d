/**
 * What reading a Kubernetes cluster needs, shared by the Kubernetes change source (kubernetes.ts)
 * and the remediation executor (src/remediation/executors/kubernetes/): loading the kubeconfig,
 * and kubectl's rules for a Deployment's rollout history (its ReplicaSets and their revisions).
 */
import type { KubeConfig, V1Deployment, V1LabelSelector, V1ReplicaSet } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { AppError } from '../errors';

export type KubernetesClient = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** Where the kubeconfig comes from. */
export interface KubeConfigOptions {
  /** A kubeconfig file; without it (and without inCluster) the default locations. */
  kubeconfigPath?: string;
  /** Use the pod's service account (loadFromCluster). */
  inCluster?: boolean;
  /** A ready KubeConfig (tests point it at a local fake API server). */
  kubeConfig?: KubeConfig;
}

/** Loads the ESM-only client; `import()` stays native in our CommonJS build (module node16). */
export function loadKubernetesClient(): Promise<KubernetesClient> {
  return import('@kubernetes/client-node');
}

/** The KubeConfig to use and its current cluster's server, or AppError('config_invalid') saying why not. */
export function loadKubeConfig(k8s: KubernetesClient, options: KubeConfigOptions): { kc: KubeConfig; server: string } {
  let kc = options.kubeConfig;
  if (!kc) {
    kc = new k8s.KubeConfig();
    try {
      if (options.inCluster) kc.loadFromCluster();
      else if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
      else kc.loadFromDefault();
    } catch (err) {
      const from = options.inCluster
        ? 'the in-cluster service account'
        : (options.kubeconfigPath ?? 'the default kubeconfig locations');
      const reason = String((err as { message?: unknown }).message ?? err).split('\n')[0];
      throw new AppError('config_invalid', `Could not load the Kubernetes config from ${from}: ${reason}`, {
        cause: err,
      });
    }
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new AppError(
      'config_invalid',
      'The Kubernetes config has no current cluster: set current-context in the kubeconfig, ' +
        'or run in a cluster with inCluster.',
    );
  }
  return { kc, server: cluster.server };
}

/** labels.Selector.String() of metav1.LabelSelectorAsSelector: requirements sorted by key. */
export function selectorString(selector: V1LabelSelector | undefined): string {
  const parts: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) parts.push([key, `${key}=${value}`]);
  for (const expr of selector?.matchExpressions ?? []) {
    const values = [...(expr.values ?? [])].sort().join(',');
    switch (expr.operator) {
      case 'In':
        parts.push([expr.key, `${expr.key} in (${values})`]);
        break;
      case 'NotIn':
        parts.push([expr.key, `${expr.key} notin (${values})`]);
        break;
      case 'Exists':
        parts.push([expr.key, expr.key]);
        break;
      case 'DoesNotExist':
        parts.push([expr.key, `!${expr.key}`]);
        break;
      default:
        throw new AppError(
          'bad_request',
          `The deployment's selector has an unknown operator ${JSON.stringify(expr.operator)}.`,
        );
    }
  }
  return parts
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, text]) => text)
    .join(',');
}

/** deploymentutil.Revision: the revision annotation as an integer, or undefined. */
export function revisionOf(meta: { annotations?: Record<string, string> } | undefined): number | undefined {
  const text = meta?.annotations?.[REVISION_ANNOTATION];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** metav1.IsControlledBy: the controller owner reference points at this Deployment. */
export function controlledBy(rs: V1ReplicaSet, deployment: V1Deployment): boolean {
  const uid = deployment.metadata?.uid;
  return (rs.metadata?.ownerReferences ?? []).some(
    (ref) => ref.controller === true && uid !== undefined && ref.uid === uid,
  );
}
