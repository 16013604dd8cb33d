import { ShadowStore } from '../../src/models/shadow';
import { DURING_BURST } from '../helpers/app';
import { championOnApp } from '../models/serving-fixtures';
import { httpApp, session, type HttpApp } from './http-app';

jest.setTimeout(120_000);

/** issue 15 points 3, 4, 9: one model over REST, with champion vs challenger in shadow. */
describe('REST GET /api/v1/models/:name', () => {
  let h: HttpApp;
  beforeAll(async () => {
    h = await httpApp();
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers the versions, aliases and shadow comparison as JSON; 404 for an unknown model', async () => {
    const viewer = await session(h, 'viewer');
    const get = (name: string) =>
      h.http.inject({ method: 'GET', url: `/api/v1/models/${name}`, headers: viewer.headers });
    await championOnApp(h.app, DURING_BURST);
    await championOnApp(h.app, DURING_BURST, 5);
    h.app.models.setAlias('payments-detector', 'champion', 1, { by: 'user:alice', at: DURING_BURST });
    h.app.models.setAlias('payments-detector', 'challenger', 2, { by: 'system:smartcloudops', at: DURING_BURST });
    new ShadowStore(h.app.store.db).record({
      jobId: 'j1',
      model: 'payments-detector',
      service: 'payments',
      championVersion: 1,
      challengerVersion: 2,
      window: { fromMs: DURING_BURST - 3_600_000, toMs: DURING_BURST },
      championAlerts: [{ signal: 'error_rate', startMs: DURING_BURST - 600_000, endMs: DURING_BURST, maxScore: 0.99 }],
      challengerAlerts: [],
      at: DURING_BURST + 1,
    });
    const res = await get('payments-detector');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ name: 'payments-detector', service: 'payments', champion: 1, challenger: 2 });
    expect(body.versions).toHaveLength(2);
    expect(body.shadow).toMatchObject({
      champion: 1,
      challenger: 2,
      runs: 1,
      agreement: { both: 0, champion_only: 1, challenger_only: 0, rate: 0 },
      labels: { real: 0, false_alarm: 0 },
      scores: { champion: { version: 1, alerts: 1 }, challenger: { version: 2, alerts: 0 } },
    });
    const missing = await get('paymnts-detector');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toMatch(/payments-detector/);
  });
});
