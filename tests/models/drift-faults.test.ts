import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderText } from '../../src/reply/render-text';
import { testApp } from '../helpers/app';
import { checkNow, recordingPoster, trainChampion } from './drift-helpers';

jest.setTimeout(300_000);

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);

function faultsFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sco-drift-faults-')), 'faults.yaml');
  writeFileSync(file, yaml);
  return file;
}

/**
 * issue 15 "How it is checked": change the demo fleet's behaviour with DEMO_FAULTS and see the
 * drift card; nothing while the fleet is as it was trained. The fleet is quiet for the 7 days of
 * training and the first 3 days after; then payments gets a bad deploy that stays.
 */
describe.each(['bad_deploy', 'traffic_surge'])('drift_check after a DEMO_FAULTS %s', (kind) => {
  it('stays quiet until the fault, then posts one card naming what moved, with a Retrain button', async () => {
    let now = T0;
    const file = faultsFile(`faults:\n  - kind: ${kind}\n    service: payments\n    start: 72h\n`);
    const { app } = await testApp({ DRIFT_INTERVAL: '1h', DEMO_FAULTS: file }, () => now);
    try {
      await app.startWorkers();
      await trainChampion(app);
      const poster = recordingPoster();
      app.drift.setTarget({ poster, channel: 'C-INCIDENTS' });
      const before: number[] = [];
      for (let h = 6; h <= 72; h += 6) {
        now = T0 + h * HOUR;
        const { results } = await checkNow(app);
        expect(results[0]).toMatchObject({ checked: true, drifted: false });
        before.push(results[0].score);
      }
      expect(Math.max(...before)).toBeLessThan(0.25);
      expect(poster.posts).toEqual([]);

      // A day into the fault: the last 24 h are all after it.
      now = T0 + 96 * HOUR;
      const { results } = await checkNow(app);
      expect(results[0].drifted).toBe(true);
      expect(results[0].score).toBeGreaterThanOrEqual(0.25);
      expect(poster.posts).toHaveLength(1);
      const text = renderText(poster.posts[0].reply);
      expect(text).toMatch(/payments-detector v1: .*distribution moved \(PSI \d+\.\d\d; median/);
      const buttons = poster.posts[0].reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []));
      expect(buttons).toEqual([expect.objectContaining({ label: 'Retrain', command: 'train payments 7d' })]);
    } finally {
      await app.close();
    }
  });
});
