import { createHash } from 'node:crypto';
import { createAuditLog, GENESIS_HASH } from '../../src/audit/audit-log';
import type { AuditLog } from '../../src/audit/types';
import { openStore, type Store } from '../../src/store/store';
import { AUTH_TABLES, INJECTIONS, START, tableNames } from './fixtures';

describe('audit log', () => {
  let store: Store;
  let audit: AuditLog;
  let now: number;
  const clock = () => now;
  const seed = (n: number) => {
    for (let i = 1; i <= n; i++) {
      now += 1000;
      audit.record({
        actor: i % 2 ? 'user:ann' : 'user:bob',
        action: i % 3 ? 'auth.login' : 'command.status',
        outcome: 'ok',
        target: `t${i}`,
        ip: '203.0.113.7',
        detail: { i },
      });
    }
  };

  beforeEach(() => {
    now = START;
    store = openStore(':memory:');
    audit = createAuditLog({ db: store.db, clock });
  });
  afterEach(() => store.close());

  it('records events and lists them newest first, with filters and paging', () => {
    seed(10);
    const all = audit.list();
    expect(all.map((e) => e.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(all[0]).toEqual({
      seq: 10,
      at: START + 10_000,
      actor: 'user:bob',
      action: 'auth.login',
      outcome: 'ok',
      target: 't10',
      ip: '203.0.113.7',
      detail: { i: 10 },
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(audit.list({ limit: 3 }).map((e) => e.seq)).toEqual([10, 9, 8]);
    expect(audit.list({ limit: 3, beforeSeq: 8 }).map((e) => e.seq)).toEqual([7, 6, 5]);
    expect(audit.list({ actor: 'user:ann' }).map((e) => e.seq)).toEqual([9, 7, 5, 3, 1]);
    expect(audit.list({ action: 'command.status' }).map((e) => e.seq)).toEqual([9, 6, 3]);
    expect(audit.list({ actor: 'user:ann', action: 'command.status', beforeSeq: 9 }).map((e) => e.seq)).toEqual([3]);
    audit.record({ actor: 'system', action: 'auth.bootstrap_admin', outcome: 'ok' });
    expect(audit.list({ limit: 1 })[0]).toMatchObject({ target: null, ip: null, detail: {} });
  });

  it('caps the page at 1000 and defaults to 100', () => {
    store.db.transaction(() => seed(1005))();
    expect(audit.list()).toHaveLength(100);
    expect(audit.list({ limit: 5000 })).toHaveLength(1000);
    expect(() => audit.list({ limit: 0 })).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  it('chains each row to the one before with sha256 over canonical JSON', () => {
    seed(2);
    audit.record({
      actor: 'system',
      action: 'x.y',
      outcome: 'failed',
      detail: { z: [1, { b: true, a: null }], a: 'é' },
    });
    const rows = store.db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as {
      seq: number;
      at: number;
      prev_hash: string;
      hash: string;
      detail: string;
    }[];
    expect(rows[0].prev_hash).toBe(GENESIS_HASH);
    expect(rows[1].prev_hash).toBe(rows[0].hash);
    expect(rows[2].prev_hash).toBe(rows[1].hash);
    expect(rows[2].detail).toBe('{"a":"é","z":[1,{"a":null,"b":true}]}');
    const body =
      `{"action":"x.y","actor":"system","at":${rows[2].at},` +
      '"detail":{"a":"é","z":[1,{"a":null,"b":true}]},"ip":null,"outcome":"failed","target":null}';
    expect(rows[2].hash).toBe(createHash('sha256').update(`${rows[1].hash}\n${body}`).digest('hex'));
    expect(audit.verify()).toEqual({ ok: true, entries: 3 });
  });

  it('detects a row changed directly in SQL', () => {
    seed(5);
    expect(audit.verify()).toEqual({ ok: true, entries: 5 });
    store.db.prepare("UPDATE audit_log SET outcome = 'denied' WHERE seq = 3").run();
    expect(audit.verify()).toMatchObject({
      ok: false,
      entries: 5,
      brokenAt: 3,
      reason: expect.stringContaining('does not match its hash'),
    });
  });

  it('detects a changed detail, and a rehashed row by the broken link after it', () => {
    seed(5);
    store.db.prepare(`UPDATE audit_log SET detail = '{"i":99}' WHERE seq = 2`).run();
    expect(audit.verify()).toMatchObject({ ok: false, brokenAt: 2 });
    // A forger who also recomputes row 2's hash still breaks row 3's link.
    const row = store.db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<
      string,
      string | number | null
    >;
    const body = JSON.stringify({
      action: row.action,
      actor: row.actor,
      at: row.at,
      detail: { i: 99 },
      ip: row.ip,
      outcome: row.outcome,
      target: row.target,
    });
    const forged = createHash('sha256')
      .update(`${String(row.prev_hash)}\n${body}`)
      .digest('hex');
    store.db.prepare('UPDATE audit_log SET hash = ? WHERE seq = 2').run(forged);
    expect(audit.verify()).toMatchObject({ ok: false, brokenAt: 3, reason: expect.stringContaining('does not link') });
  });

  it('detects a deleted row, in the middle or at the end', () => {
    seed(5);
    store.db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
    expect(audit.verify()).toMatchObject({
      ok: false,
      entries: 4,
      brokenAt: 4,
      reason: expect.stringContaining('does not link'),
    });
    store.close();
    store = openStore(':memory:');
    audit = createAuditLog({ db: store.db, clock });
    seed(5);
    store.db.prepare('DELETE FROM audit_log WHERE seq >= 4').run();
    expect(audit.verify()).toMatchObject({
      ok: false,
      entries: 3,
      brokenAt: 4,
      reason: expect.stringContaining('deleted'),
    });
  });

  it('accepts plain JSON detail only, and checks the other fields', () => {
    const bad: unknown[] = [
      new Date(),
      () => 1,
      Number.NaN,
      Infinity,
      10n,
      Symbol('s'),
      new Map(),
      [1, 2],
      'text',
      { nested: { when: new Date() } },
      { list: [undefined] },
    ];
    for (const detail of bad) {
      expect(() =>
        audit.record({ actor: 'system', action: 'x', outcome: 'ok', detail: detail as Record<string, unknown> }),
      ).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => audit.record({ actor: 'system', action: 'x', outcome: 'ok', detail: cyclic })).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() =>
      audit.record({ actor: 'system', action: 'x', outcome: 'ok', detail: { big: 'x'.repeat(70_000) } }),
    ).toThrow(expect.objectContaining({ code: 'bad_request' }));
    expect(() => audit.record({ actor: '', action: 'x', outcome: 'ok' })).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => audit.record({ actor: 'system', action: 'x\ny', outcome: 'ok' })).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => audit.record({ actor: 'system', action: 'x', outcome: 'maybe' as 'ok' })).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(audit.list()).toEqual([]);
    // Members left undefined are dropped, as JSON.stringify would.
    audit.record({
      actor: 'system',
      action: 'x',
      outcome: 'ok',
      detail: { a: 1, b: undefined, c: Object.assign(Object.create(null) as object, { d: 2 }) },
    });
    expect(audit.list()[0].detail).toEqual({ a: 1, c: { d: 2 } });
  });

  it('stores SQL injection strings literally in every field, and the tables survive', () => {
    const before = tableNames(store.db);
    for (const bad of INJECTIONS)
      audit.record({ actor: bad, action: bad, outcome: 'denied', target: bad, ip: bad, detail: { [bad]: bad } });
    for (const bad of INJECTIONS) {
      const found = audit.list({ actor: bad });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ actor: bad, action: bad, target: bad, ip: bad, detail: { [bad]: bad } });
      expect(audit.list({ action: bad })).toHaveLength(1);
    }
    expect(audit.list({ actor: "x' OR '1'='1" })).toEqual([]);
    expect(audit.verify()).toEqual({ ok: true, entries: INJECTIONS.length });
    expect(tableNames(store.db)).toEqual(before);
    expect(before).toEqual(expect.arrayContaining(AUTH_TABLES));
  });
});
