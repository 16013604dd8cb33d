import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { RunbookDoc } from './types';

/** `---` front matter at the very start of the file, then the body. */
const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Why a file is not indexed: shown in the log with its path. */
export class RunbookFormatError extends Error {}

const words = (v: unknown, field: string): string[] => {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  throw new RunbookFormatError(`\`${field}\` must be a string or a list of strings`);
};

const optionalString = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !v.trim()) throw new RunbookFormatError(`\`${field}\` must be a non-empty string`);
  return v.trim();
};

/**
 * A Markdown runbook -> RunbookDoc. Front matter (YAML) gives title, services (`*` for any), tags,
 * alerts, severity and url; a file without front matter takes its title from its first `# ` heading.
 * Front matter that is not YAML, not a mapping, or has a field of the wrong type throws
 * RunbookFormatError.
 */
export function parseRunbook(file: string, source: string): RunbookDoc {
  const name = basename(file).replace(/\.md$/i, '');
  const m = FRONT_MATTER.exec(source);
  const body = m ? source.slice(m[0].length) : source;
  let meta: Record<string, unknown> = {};
  if (m) {
    let parsed: unknown;
    try {
      parsed = parseYaml(m[1]);
    } catch (err) {
      throw new RunbookFormatError(`front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed)))
      throw new RunbookFormatError('front matter must be a YAML mapping (`title: …`)');
    meta = (parsed ?? {}) as Record<string, unknown>;
  }
  const heading = /^#[ \t]+(.+)$/m.exec(body)?.[1]?.trim();
  const title = optionalString(meta.title, 'title') ?? heading ?? name;
  const services = words(meta.services ?? meta.service, 'services');
  const severity = optionalString(meta.severity, 'severity');
  const url = optionalString(meta.url, 'url');
  return {
    name,
    title,
    services: services.length ? services : ['*'],
    tags: words(meta.tags ?? meta.keywords, 'tags'),
    alerts: words(meta.alerts, 'alerts'),
    ...(severity ? { severity } : {}),
    path: file,
    ...(url ? { url } : {}),
    body: body.trim(),
  };
}
