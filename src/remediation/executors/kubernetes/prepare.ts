/** What one action would write to a Deployment and what it changes, before anything is written. */
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { AppError } from '../../../errors';
import type { RemediationRequest } from '../../types';
import { readDeployment, requestOptions } from './client';
import { apiError } from './errors';
import {
  controlledBy,
  currentState,
  deploymentPath,
  equalIgnoreHash,
  images,
  pods,
  previousRevision,
  RESTARTED_AT_ANNOTATION,
  revisionOf,
  rfc3339,
  rollbackAnnotations,
  rolloutWords,
  selectorString,
  where,
  withoutHash,
  wire,
} from './rollout';
import { PATCH, type KubernetesBinding, type KubeState, type Prepared } from './types';

export async function prepare(
  state: KubeState,
  request: RemediationRequest,
  b: KubernetesBinding,
  signal?: AbortSignal,
): Promise<Prepared> {
  const deployment = await readDeployment(state, b, signal);
  switch (request.action) {
    case 'restart':
      return prepareRestart(state, request, b, deployment);
    case 'scale':
      return prepareScale(request, b, deployment);
    case 'rollback':
      return prepareRollback(state, b, deployment, signal);
    case 'clear_cache':
    case 'runbook':
    case 'promote_model':
    case 'rollback_model':
      throw new AppError(
        'bad_request',
        `${request.action} is not a Kubernetes action: bind it to a shell runbook or a webhook, not to ${where(b)}.`,
      );
  }
}

function prepareRestart(
  state: KubeState,
  request: RemediationRequest,
  b: KubernetesBinding,
  deployment: V1Deployment,
): Prepared {
  const current = currentState(deployment);
  const replicas = current.replicas as number;
  if (deployment.spec?.paused) {
    throw new AppError(
      'bad_request',
      `Can't restart paused ${where(b)}: ` +
        `run \`kubectl rollout resume deployment/${b.deployment} -n ${b.namespace}\` first.`,
    );
  }
  const { restartStamps } = state;
  let stamp = restartStamps.get(request.id);
  if (stamp === undefined) {
    stamp = rfc3339(state.now());
    restartStamps.set(request.id, stamp);
    if (restartStamps.size > 1000) restartStamps.delete(restartStamps.keys().next().value as string);
  }
  return {
    deployment,
    write: {
      method: 'PATCH',
      path: deploymentPath(b),
      query: { fieldManager: 'kubectl-rollout' },
      contentType: PATCH.strategic,
      body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: stamp } } } } },
    },
    current,
    desired: { replicas, [RESTARTED_AT_ANNOTATION]: stamp, image: current.image },
    blastRadius: rolloutWords(deployment, b),
    done: `Restarted ${where(b)}`,
  };
}

function prepareScale(request: RemediationRequest, b: KubernetesBinding, deployment: V1Deployment): Prepared {
  const current = currentState(deployment);
  const replicas = current.replicas as number;
  const want = request.params.replicas;
  if (typeof want !== 'number' || !Number.isInteger(want) || want < 0) {
    throw new AppError(
      'bad_request',
      `Scaling ${where(b)} needs a whole number of replicas, 0 or more (got ${JSON.stringify(want)}).`,
    );
  }
  const blastRadius =
    want === replicas
      ? `nothing changes: ${b.deployment} in ${b.namespace} already runs ${pods(replicas)}`
      : want === 0
        ? `${b.deployment} in ${b.namespace} stops serving: all ${pods(replicas)} are stopped`
        : want > replicas
          ? `${pods(want - replicas)} of ${b.deployment} in ${b.namespace} are started (${replicas} -> ${want}); ` +
            'running pods are untouched'
          : `${pods(replicas - want)} of ${replicas} of ${b.deployment} in ${b.namespace} are stopped ` +
            `(${replicas} -> ${want})`;
  return {
    deployment,
    write: {
      method: 'PATCH',
      path: `${deploymentPath(b)}/scale`,
      query: {},
      contentType: PATCH.merge,
      body: { spec: { replicas: want } },
    },
    current,
    desired: { replicas: want, image: current.image },
    blastRadius,
    done: `Scaled ${where(b)} from ${replicas} to ${want} replicas`,
  };
}

/** The Deployment's own ReplicaSets (kubectl's rollout history). */
async function replicaSetsOf(
  state: KubeState,
  b: KubernetesBinding,
  deployment: V1Deployment,
  signal?: AbortSignal,
): Promise<V1ReplicaSet[]> {
  const { k8s, apps, server } = await state.connect();
  const labelSelector = selectorString(deployment.spec?.selector);
  let list: V1ReplicaSet[];
  try {
    list = (await apps.listNamespacedReplicaSet({ namespace: b.namespace, labelSelector }, requestOptions(k8s, signal)))
      .items;
  } catch (err) {
    throw apiError(err, 'list the ReplicaSets of', b, server);
  }
  return list.filter((rs) => controlledBy(rs, deployment));
}

async function prepareRollback(
  state: KubeState,
  b: KubernetesBinding,
  deployment: V1Deployment,
  signal?: AbortSignal,
): Promise<Prepared> {
  const current = currentState(deployment);
  const replicas = current.replicas as number;
  if (deployment.spec?.paused) {
    throw new AppError(
      'bad_request',
      `You cannot roll back paused ${where(b)}: resume it first with ` +
        `\`kubectl rollout resume deployment/${b.deployment} -n ${b.namespace}\`.`,
    );
  }
  const { previous } = previousRevision(await replicaSetsOf(state, b, deployment, signal));
  if (!previous) {
    throw new AppError(
      'bad_request',
      `No rollout history found for ${where(b)}: there is no previous revision to roll back to.`,
    );
  }
  const toRevision = revisionOf(previous.metadata);
  const template = wire(previous.spec?.template);
  const running = wire(deployment.spec?.template);
  const desired = {
    revision: toRevision,
    replicaSet: previous.metadata?.name,
    image: images(previous.spec?.template),
    replicas,
  };
  if (equalIgnoreHash(template, running)) {
    const skipped = `Skipped rollback of ${where(b)}: the current template already matches revision ${toRevision}.`;
    return { deployment, current, desired, blastRadius: `nothing changes: ${skipped}`, done: skipped, skipped };
  }
  return {
    deployment,
    write: {
      method: 'PATCH',
      path: deploymentPath(b),
      query: {},
      contentType: PATCH.json,
      body: [
        { op: 'replace', path: '/spec/template', value: withoutHash(template) },
        { op: 'replace', path: '/metadata/annotations', value: rollbackAnnotations(deployment, previous) },
      ],
    },
    current,
    desired,
    blastRadius: `${rolloutWords(deployment, b)}, back to revision ${toRevision} (${desired.image})`,
    done: `Rolled back ${where(b)} to revision ${toRevision} (${desired.image})`,
  };
}
