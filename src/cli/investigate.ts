import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildParser } from '../app/parser';
import { createSource } from '../app/source';
import { buildInvestigationParts } from '../app/toolbox';
import { buildActionCatalog } from '../remediation/catalog';
import { systemClock } from '../clock';
import { secretValues, type Config } from '../config/config';
import { AppError } from '../errors';
import { IncidentStore } from '../incidents/store';
import { investigateDeterministic } from '../investigate/deterministic/investigate';
import type { InvestigationQuestion } from '../investigate/deterministic/observations';
import { createLogger } from '../log/logger';
import { openStore, type Store } from '../store/store';
import { createMetrics } from '../telemetry/metrics';
import { assertStore } from './admin';

/**
 * `smartcloudops investigate`: one investigation in this process (issue 16 point 1, DESIGN.md CLI
 * table), printed for people or as the investigation object (`--json`). It only reads: the metrics
 * source, the changes around the service (the demo fleet's events; the remediations the bot ran,
 * when the control plane's store exists) and, for `--incident`, that incident.
 */
export const INVESTIGATE_USAGE =
  '  investigate [SERVICE] [--incident ID] [--question TEXT] [--json]\n' +
  '                                       run one investigation in this process and print it';

type Out = (line: string) => void;

export async function runInvestigate(config: Config, argv: string[], io: { out: Out; err: Out }): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { incident: { type: 'string' }, question: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length > 1) throw new AppError('bad_request', `usage:\n${INVESTIGATE_USAGE}`);
  const log = createLogger({ level: 'error', format: config.log.format, secrets: secretValues(config) });
  const source = createSource(config, systemClock, log);
  const store = hasStore(config.databasePath) || values.incident ? openExisting(config.databasePath) : undefined;
  try {
    const question: InvestigationQuestion = {
      ...(positionals[0] ? { service: positionals[0].toLowerCase() } : {}),
      ...(values.question ? { text: values.question } : {}),
    };
    if (!question.service && values.question) {
      const parser = buildParser(config, { metrics: createMetrics(), log, clock: systemClock });
      const parsed = await parser.parse(values.question);
      const service = (parsed.slots as { service?: unknown }).service;
      if (typeof service === 'string') question.service = service;
    }
    if (values.incident) {
      const incident = new IncidentStore((store as Store).db).get(values.incident.replace(/^#/, '').toLowerCase());
      if (!incident) throw new AppError('not_found', `no incident ${values.incident} in ${config.databasePath}`);
      question.incident = {
        id: incident.id,
        ...(incident.service ? { service: incident.service } : {}),
        startedAtMs: incident.createdAt,
      };
    }
    const parts = await buildInvestigationParts(config, {
      source,
      ...(store ? { store } : {}),
      catalog: buildActionCatalog(config.file),
      log,
    });
    const { json, summary } = await investigateDeterministic(question, {
      metrics: source,
      changes: parts.changes,
      now: systemClock(),
      ...(parts.replicasOf ? { replicasOf: parts.replicasOf } : {}),
    });
    io.out(values.json ? JSON.stringify(json) : summary);
    return 0;
  } catch (err) {
    if (err instanceof AppError && (err.code === 'not_found' || err.code === 'bad_request')) {
      io.err(`smartcloudops investigate: ${err.userMessage}`);
      return 1;
    }
    throw err;
  } finally {
    store?.close();
  }
}

function hasStore(path: string): boolean {
  return path !== ':memory:' && existsSync(path) && statSync(path).size > 0;
}

function openExisting(path: string): Store {
  assertStore(path, 'investigate --incident');
  return openStore(path);
}
