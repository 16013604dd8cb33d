import { createAuditLog } from '../../src/audit/audit-log';
import { guestPrincipal } from '../../src/auth/principal';
import { buildActionCatalog } from '../../src/remediation/catalog';
import { createWebhookExecutor } from '../../src/remediation/executors/webhook';
import { RemediationService } from '../../src/remediation/service';
import { RemediationStore } from '../../src/remediation/store';
import { freshId } from '../../src/store/fresh-id';
import { openStore, type Store } from '../../src/store/store';
import { NOW, tempDbPath } from '../helpers/app';
import { createRng } from '../../src/anomaly/iforest/rng';

/** 6 hex digits drawn from only `space` values, so ids collide often. */
function crowded(space: number, seed: number): { random: () => string; calls: () => number } {
  const rng = createRng(seed);
  let calls = 0;
  return {
    random: () => {
      calls += 1;
      return rng.int(space).toString(16).padStart(6, '0');
    },
    calls: () => calls,
  };
}

describe('issue 13.7: request ids never collide', () => {
  describe('freshId', () => {
    it('skips ids that are taken, keeps the prefix + 6 hex digits form, and says so when the space is full', () => {
      const taken = new Set(['r000001', 'r000002']);
      const values = ['000001', '000002', '000003'];
      expect(
        freshId(
          'r',
          (id) => taken.has(id),
          () => values.shift() ?? 'ffffff',
        ),
      ).toBe('r000003');
      expect(freshId('i', () => false)).toMatch(/^i[0-9a-f]{6}$/);
      expect(() =>
        freshId(
          'r',
          () => true,
          () => '000001',
        ),
      ).toThrow(/no free r id after 64 tries/);
    });
  });

  describe('through the request store (real SQLite, real audit log)', () => {
    let store: Store;
    const actor = guestPrincipal('console:olivia', 'olivia', 'operator');
    const catalog = buildActionCatalog({
      actions: {
        restart: {
          risk: 'medium',
          approvals: 1,
          cooldownS: 0,
          maxPerHour: 1000,
          targets: { default: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' } },
        },
      },
    });
    const service = (randomId: () => string) =>
      new RemediationService({
        store: new RemediationStore(store.db),
        catalog,
        executors: { webhook: createWebhookExecutor() },
        audit: createAuditLog({ db: store.db, clock: () => NOW }),
        clock: () => NOW,
        enqueue: async () => undefined,
        randomId,
      });
    beforeEach(() => {
      store = openStore(tempDbPath('sco-ids-'));
    });
    afterEach(() => {
      store.close();
    });

    it('gives 10,000 requests distinct ids with no error when the random part collides often', async () => {
      const ids = crowded(0x4000, 13);
      const remediation = service(ids.random);
      const made: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        made.push(
          (
            await remediation.request(actor, {
              action: 'restart',
              target: 'payments',
              params: {},
              dryRun: true,
              origin: {},
            })
          ).id,
        );
      }
      expect(new Set(made).size).toBe(10_000);
      expect(made.every((id) => /^r[0-9a-f]{6}$/.test(id))).toBe(true);
      // The crowding was real: thousands of draws hit an id already in use.
      expect(ids.calls() - 10_000).toBeGreaterThan(2_000);
      expect(store.db.prepare('SELECT COUNT(*) FROM remediation_requests').pluck().get()).toBe(10_000);
      expect(
        store.db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'remediation.request'").pluck().get(),
      ).toBe(10_000);
    }, 120_000);

    it('gives two writers that drew the same id at the same moment two different ids', async () => {
      // Both draw 'aaaaaa' first, while neither has inserted yet (planning is async).
      const a = ['aaaaaa', 'bbbbbb'];
      const b = ['aaaaaa', 'cccccc'];
      const [first, second] = await Promise.all([
        service(() => a.shift() ?? 'dddddd').request(actor, {
          action: 'restart',
          target: 'payments',
          params: {},
          dryRun: true,
          origin: {},
        }),
        service(() => b.shift() ?? 'eeeeee').request(actor, {
          action: 'restart',
          target: 'payments',
          params: {},
          dryRun: true,
          origin: {},
        }),
      ]);
      expect([first.id, second.id].sort()).toEqual(['raaaaaa', 'rcccccc']);
      // The plan names the id it was made for (the webhook's request-id header).
      for (const r of [first, second])
        expect(r.plan.desired).toMatchObject({
          headers: expect.objectContaining({ 'x-smartcloudops-request-id': r.id }),
        });
    });
  });
});
