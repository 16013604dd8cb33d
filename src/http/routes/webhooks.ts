import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../audit/types';
import { webhookSchema } from '../../incidents/alertmanager';
import type { IncidentService } from '../../incidents/service';
import type { Metrics } from '../../telemetry/metrics';
import { fieldErrors } from '../route';

export interface WebhookDeps {
  incidents: IncidentService;
  /** ALERTMANAGER_WEBHOOK_TOKEN; without it the webhook answers 503 (alerts are never taken unauthenticated). */
  token: string | undefined;
  audit: AuditLog;
  metrics: Metrics;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Bearer token, or basic auth whose password is the token (Alertmanager's http_config supports both). */
function presented(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (/^bearer$/i.test(scheme)) return value.trim();
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/** `POST /webhooks/alertmanager`: Alertmanager's webhook (version 4) -> incidents. */
export const webhookRoutes: FastifyPluginAsync<WebhookDeps> = async (app, deps) => {
  const expected = deps.token ? digest(deps.token) : undefined;
  const deny = (req: FastifyRequest, reply: FastifyReply, why: string) => {
    deps.audit.record({
      actor: 'anonymous',
      action: 'http.denied',
      outcome: 'denied',
      target: 'POST /webhooks/alertmanager',
      ip: req.ip,
      detail: { status: 401, why },
    });
    return reply.status(401).header('www-authenticate', 'Bearer realm="smartcloudops-alerts"').send({
      error: 'unauthorized',
      message: 'send the webhook token as a bearer token or as the basic-auth password',
      request_id: req.id,
    });
  };

  app.post('/webhooks/alertmanager', async (req, reply) => {
    if (!expected)
      return reply.status(503).send({
        error: 'unavailable',
        message:
          "the alert webhook is off: set ALERTMANAGER_WEBHOOK_TOKEN and the same token in Alertmanager's " +
          'webhook http_config',
        request_id: req.id,
      });
    const token = presented(req);
    if (token === undefined) return deny(req, reply, 'missing');
    // Compare digests: constant time whatever the lengths.
    if (!timingSafeEqual(digest(token), expected)) return deny(req, reply, 'wrong token');
    const parsed = webhookSchema.safeParse(req.body);
    if (!parsed.success) {
      const fields = fieldErrors(parsed.error, 'body');
      req.log2.warn('alertmanager payload rejected', { fields });
      return reply.status(400).send({
        error: 'bad_request',
        message: `not an Alertmanager webhook (version 4) payload: ${Object.entries(fields)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')}`,
        fields,
        request_id: req.id,
      });
    }
    deps.metrics.alertsReceived.inc({ source: 'alertmanager' }, parsed.data.alerts.length);
    const result = await deps.incidents.ingest(parsed.data);
    if (result.analysisNotStarted)
      req.log2.warn('incident recorded; analysis not started', {
        incident: result.incident?.id,
        reason: result.analysisNotStarted,
      });
    return {
      incident: result.incident?.id ?? null,
      status: result.incident?.status ?? null,
      created: result.created,
      changed: result.changed,
      resolved: result.resolved,
    };
  });
};
