import type { Clock } from '../clock';
import { secretValues, type Config } from '../config/config';
import type { NameOf } from '../identity/names';
import type { IncidentService } from '../incidents/service';
import { createPostmortems, type Postmortems } from '../investigate/postmortem';
import { createPolisher } from '../investigate/postmortem/polish';
import type { InvestigationStore } from '../investigate/store';
import type { Logger } from '../log/logger';
import { Redactor } from '../log/redact';
import type { RemediationStore } from '../remediation/store';
import type { MetricsSource } from '../sources/types';
import type { Metrics } from '../telemetry/metrics';

/**
 * `postmortem INCIDENT` on the control plane's stores and metrics source; the LLM polishes the draft
 * when OPENAI_API_KEY or OPENAI_BASE_URL is set (the same server and model as the intent parser).
 */
export function buildPostmortems(
  config: Config,
  deps: {
    incidents: IncidentService;
    investigations: InvestigationStore;
    remediations: RemediationStore;
    source: MetricsSource;
    names: NameOf;
    clock: Clock;
    log: Logger;
    metrics: Metrics;
  },
): Postmortems {
  const { openai } = config;
  const polisher =
    openai.apiKey || openai.baseUrl
      ? createPolisher({
          ...openai,
          log: deps.log,
          metrics: deps.metrics,
          redactor: new Redactor(secretValues(config)),
        })
      : undefined;
  return createPostmortems({ ...deps, ...(polisher ? { polisher } : {}) });
}
