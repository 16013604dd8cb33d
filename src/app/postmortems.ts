import type { Clock } from '../clock';
import { secretValues, type Config } from '../config/config';
import type { NameOf } from '../identity/names';
import type { IncidentService } from '../incidents/service';
import { createPostmortems, type Postmortems } from '../investigate/postmortem';
import { createPolisher } from '../investigate/postmortem/polish';
import { InvestigationStore } from '../investigate/store';
import type { Logger } from '../log/logger';
import { Redactor } from '../log/redact';
import type { RemediationStore } from '../remediation/store';
import type { MetricsSource } from '../sources/types';
import type { Store } from '../store/store';
import type { Metrics } from '../telemetry/metrics';

/**
 * The investigations as kept (REST reads them back) and `postmortem INCIDENT` on them, the other
 * stores and the metrics source; the LLM polishes the draft when OPENAI_API_KEY or OPENAI_BASE_URL
 * is set (the same server and model as the intent parser).
 */
export function buildPostmortems(
  config: Config,
  deps: {
    store: Store;
    incidents: IncidentService;
    remediations: RemediationStore;
    source: MetricsSource;
    names: NameOf;
    clock: Clock;
    log: Logger;
    metrics: Metrics;
  },
): { investigations: InvestigationStore; postmortems: Postmortems } {
  const { openai } = config;
  const investigations = new InvestigationStore(deps.store.db);
  const polisher =
    openai.apiKey || openai.baseUrl
      ? createPolisher({
          ...openai,
          log: deps.log,
          metrics: deps.metrics,
          redactor: new Redactor(secretValues(config)),
        })
      : undefined;
  return {
    investigations,
    postmortems: createPostmortems({ ...deps, investigations, ...(polisher ? { polisher } : {}) }),
  };
}
