/** The executor's I/O: one lazily made connection to the API server, the reads and the one write. */
import type { RequestContext, ResponseContext, V1Deployment } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { loadKubeConfig, loadKubernetesClient } from '../../../changes/kube';
import { apiError } from './errors';
import type {
  Connection,
  KubernetesBinding,
  KubernetesClient,
  KubernetesExecutorOptions,
  KubeState,
  PatchType,
  Write,
} from './types';

async function loadConnection(options: KubernetesExecutorOptions): Promise<Connection> {
  const k8s = options.client ?? (await loadKubernetesClient());
  const { kc, server } = loadKubeConfig(k8s, options);
  return { k8s, apps: kc.makeApiClient(k8s.AppsV1Api), server };
}

/** One connection, made on first use; a failed one is forgotten so a later call may try again. */
export function connector(options: KubernetesExecutorOptions): () => Promise<Connection> {
  let connection: Promise<Connection> | undefined;
  return function connect(): Promise<Connection> {
    connection ??= loadConnection(options);
    connection.catch(() => {
      connection = undefined; // a later call may try again (e.g. once the kubeconfig is fixed)
    });
    return connection;
  };
}

/**
 * Per-request middleware: the patch type kubectl uses (the generated client defaults to JSON patch)
 * and the abort signal.
 */
export function requestOptions(k8s: KubernetesClient, signal: AbortSignal | undefined, contentType?: PatchType) {
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          if (contentType) ctx.setHeaderParam('Content-Type', contentType);
          if (signal) ctx.setSignal(signal);
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (ctx: ResponseContext) => new k8s.Observable(Promise.resolve(ctx)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  };
}

export async function readDeployment(
  state: KubeState,
  b: KubernetesBinding,
  signal?: AbortSignal,
): Promise<V1Deployment> {
  const { k8s, apps, server } = await state.connect();
  try {
    return await apps.readNamespacedDeployment(
      { name: b.deployment, namespace: b.namespace },
      requestOptions(k8s, signal),
    );
  } catch (err) {
    throw apiError(err, 'read', b, server);
  }
}

export async function send(state: KubeState, w: Write, b: KubernetesBinding, signal: AbortSignal): Promise<void> {
  const { k8s, apps, server } = await state.connect();
  const opts = requestOptions(k8s, signal, w.contentType);
  try {
    if (w.path.endsWith('/scale')) {
      await apps.patchNamespacedDeploymentScale({ name: b.deployment, namespace: b.namespace, body: w.body }, opts);
    } else {
      await apps.patchNamespacedDeployment(
        { name: b.deployment, namespace: b.namespace, body: w.body, fieldManager: w.query.fieldManager },
        opts,
      );
    }
  } catch (err) {
    throw apiError(err, 'patch', b, server);
  }
}
