import { createRng } from '../../src/anomaly/iforest/rng';
import { createAuditLog } from '../../src/audit/audit-log';
import { IncidentService } from '../../src/incidents/service';
import { IncidentStore } from '../../src/incidents/store';
import { openStore, type Store } from '../../src/store/store';
import { tempDbPath } from '../helpers/app';
import { firing, notification } from './notifications';

describe('issue 13.7: incident ids never collide', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(tempDbPath('sco-ids-'));
  });
  afterEach(() => {
    store.close();
  });

  it(
    '10,000 new incidents from a random source that repeats itself often: no error, all distinct, ' +
      'all in the chat-readable form',
    async () => {
      // 2^14 values for 10,000 ids: by the end most draws hit an id already taken.
      const rng = createRng(2026);
      let draws = 0;
      const randomId = () => {
        draws += 1;
        return rng
          .int(1 << 14)
          .toString(16)
          .padStart(6, '0');
      };
      const clock = () => Date.UTC(2026, 10, 26, 10);
      const incidents = new IncidentService({
        store: new IncidentStore(store.db),
        audit: createAuditLog({ db: store.db, clock }),
        clock,
        randomId,
      });

      const ids: string[] = [];
      for (let n = 0; n < 10_000; n++) {
        const result = await incidents.ingest(notification(`{}:{alertname="HighLatency",n="${n}"}`, [firing('a1', 0)]));
        expect(result.created).toBe(true);
        ids.push(result.incident?.id ?? '');
      }

      expect(new Set(ids).size).toBe(10_000);
      expect(ids.filter((id) => !/^i[0-9a-f]{6}$/.test(id))).toEqual([]);
      expect(store.db.prepare('SELECT COUNT(*) FROM incidents').pluck().get()).toBe(10_000);
      // The source did repeat: far more draws than ids, every repeat skipped.
      expect(draws).toBeGreaterThan(12_000);
    },
  );
});
