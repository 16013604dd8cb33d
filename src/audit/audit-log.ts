import { createHash } from 'node:crypto';
import type { AuditEntry, AuditEvent, AuditLog } from './types';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { Db } from '../store/store';

/**
 * Who did what, append-only and hash-chained: each row's hash covers its content and the previous
 * row's hash, so `verify()` finds a row edited or deleted behind the service's back (and, through
 * `sqlite_sequence`, rows cut off the end). Appends run in an immediate transaction so two
 * processes sharing the file cannot fork the chain.
 */

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  outcome: AuditEntry['outcome'];
  target: string | null;
  ip: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
const OUTCOMES: readonly string[] = ['ok', 'denied', 'failed'];
const MAX_DETAIL_BYTES = 65_536;
const MAX_DEPTH = 32;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A copy of `value` that is plain JSON, or an AppError. Object members that are `undefined` are
 * dropped (as JSON.stringify would); anything else JSON cannot carry faithfully is refused.
 */
function plainJson(value: unknown, path: string, depth: number): Json {
  if (depth > MAX_DEPTH) throw new AppError('bad_request', `audit detail nested too deeply at ${path}`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AppError('bad_request', `audit detail ${path} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => plainJson(v, `${path}[${i}]`, depth + 1));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null)
      throw new AppError('bad_request', `audit detail ${path} is not a plain object`);
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plainJson(v, `${path}.${k}`, depth + 1);
    return out;
  }
  throw new AppError('bad_request', `audit detail ${path} is a ${typeof value}, not JSON`);
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

function rowHash(
  prevHash: string,
  row: Pick<AuditRow, 'at' | 'actor' | 'action' | 'outcome' | 'target' | 'ip'>,
  detail: Json,
): string {
  const body = canonicalJson({
    at: row.at,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome,
    target: row.target,
    ip: row.ip,
    detail,
  });
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > max)
    throw new AppError('bad_request', `audit ${field}: expected 1-${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new AppError('bad_request', `audit ${field}: control characters are not allowed`);
  return value;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome,
    target: row.target,
    ip: row.ip,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    hash: row.hash,
  };
}

type ListParams = { before: number; limit: number; actor?: string; action?: string };

function prepareAuditSql(db: Db) {
  const listColumns = 'seq, at, actor, action, outcome, target, ip, detail, prev_hash, hash';
  return {
    last: db.prepare<[], string>('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').pluck(),
    insert: db.prepare<Omit<AuditRow, 'seq'>>(`
      INSERT INTO audit_log (at, actor, action, outcome, target, ip, detail, prev_hash, hash)
      VALUES (@at, @actor, @action, @outcome, @target, @ip, @detail, @prev_hash, @hash)`),
    // One statement per filter combination, so each can use its index.
    list: {
      all: db.prepare<ListParams, AuditRow>(
        `SELECT ${listColumns} FROM audit_log WHERE seq < @before ORDER BY seq DESC LIMIT @limit`,
      ),
      actor: db.prepare<ListParams, AuditRow>(
        `SELECT ${listColumns} FROM audit_log WHERE actor = @actor AND seq < @before ORDER BY seq DESC LIMIT @limit`,
      ),
      action: db.prepare<ListParams, AuditRow>(
        `SELECT ${listColumns} FROM audit_log WHERE action = @action AND seq < @before ORDER BY seq DESC LIMIT @limit`,
      ),
      both: db.prepare<ListParams, AuditRow>(
        `SELECT ${listColumns} FROM audit_log ` +
          'WHERE actor = @actor AND action = @action AND seq < @before ORDER BY seq DESC LIMIT @limit',
      ),
    },
    walk: db.prepare<[], AuditRow>(`SELECT ${listColumns} FROM audit_log ORDER BY seq`),
    count: db.prepare<[], number>('SELECT COUNT(*) FROM audit_log').pluck(),
    highest: db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").pluck(),
  };
}
type AuditSql = ReturnType<typeof prepareAuditSql>;
type Append = (row: Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>, detail: Json) => void;

/** Checks the event and appends it to the chain (`append`: an immediate transaction). */
function record(append: Append, clock: Clock, event: AuditEvent): void {
  const e = event as Partial<AuditEvent>;
  if (!OUTCOMES.includes(e.outcome as string))
    throw new AppError('bad_request', `audit outcome: expected one of ${OUTCOMES.join(', ')}`);
  const detail = plainJson(e.detail ?? {}, 'detail', 0);
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    throw new AppError('bad_request', 'audit detail: expected an object');
  const detailText = canonicalJson(detail);
  if (Buffer.byteLength(detailText) > MAX_DETAIL_BYTES)
    throw new AppError('bad_request', `audit detail: larger than ${MAX_DETAIL_BYTES} bytes`);
  const row = {
    at: clock(),
    actor: text(e.actor, 'actor', 256),
    action: text(e.action, 'action', 128),
    outcome: e.outcome as AuditEntry['outcome'],
    target: e.target === undefined || e.target === null ? null : text(e.target, 'target', 512),
    ip: e.ip === undefined || e.ip === null ? null : text(e.ip, 'ip', 64),
    detail: detailText,
  };
  append(row, detail);
}

function list(
  s: AuditSql,
  query: { limit?: number; beforeSeq?: number; actor?: string; action?: string },
): AuditEntry[] {
  const limit = query.limit === undefined ? 100 : Math.trunc(query.limit);
  if (!(limit >= 1)) throw new AppError('bad_request', 'audit list limit: expected a positive whole number');
  const before = query.beforeSeq === undefined ? Number.MAX_SAFE_INTEGER : Math.trunc(query.beforeSeq);
  if (!Number.isFinite(before)) throw new AppError('bad_request', 'audit list beforeSeq: expected a whole number');
  const params: ListParams = { before, limit: Math.min(limit, 1000) };
  const { actor, action } = query;
  const stmt =
    actor !== undefined && action !== undefined
      ? s.list.both
      : actor !== undefined
        ? s.list.actor
        : action !== undefined
          ? s.list.action
          : s.list.all;
  if (actor !== undefined) params.actor = actor;
  if (action !== undefined) params.action = action;
  return stmt.all(params).map(toEntry);
}

/** Recomputes the chain: the first row whose hash or link does not match, if any. */
function verify(s: AuditSql): ReturnType<AuditLog['verify']> {
  const entries = s.count.get() ?? 0;
  let prev = GENESIS_HASH;
  let lastSeq = 0;
  for (const row of s.walk.iterate()) {
    if (row.prev_hash !== prev)
      return {
        ok: false,
        entries,
        brokenAt: row.seq,
        reason: `row ${row.seq} does not link to the row before it (a row was deleted or changed)`,
      };
    let detail: Json;
    try {
      detail = JSON.parse(row.detail) as Json;
    } catch {
      return { ok: false, entries, brokenAt: row.seq, reason: `row ${row.seq} detail is not valid JSON` };
    }
    if (rowHash(prev, row, detail) !== row.hash)
      return {
        ok: false,
        entries,
        brokenAt: row.seq,
        reason: `row ${row.seq} content does not match its hash (the row was changed)`,
      };
    prev = row.hash;
    lastSeq = row.seq;
  }
  const highest = s.highest.get() ?? 0;
  if (highest > lastSeq)
    return {
      ok: false,
      entries,
      brokenAt: lastSeq + 1,
      reason: `rows after ${lastSeq} up to ${highest} were deleted`,
    };
  return { ok: true, entries };
}

export function createAuditLog({ db, clock }: { db: Db; clock: Clock }): AuditLog {
  const s = prepareAuditSql(db);
  const append = db.transaction((row: Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>, detail: Json) => {
    const prev = s.last.get() ?? GENESIS_HASH;
    s.insert.run({ ...row, prev_hash: prev, hash: rowHash(prev, row, detail) });
  });

  return {
    record: (event) => record((row, detail) => append.immediate(row, detail), clock, event),
    list: (query = {}) => list(s, query),
    verify: () => verify(s),
  };
}
