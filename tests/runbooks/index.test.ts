import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger, createSilentLogger } from '../../src/log/logger';
import { runbookOfUrl } from '../../src/runbooks/link';
import { createRunbookIndex } from '../../src/runbooks/runbook-index';
import type { RunbookIndex } from '../../src/runbooks/types';

const SHIPPED = [
  'bad-deploy',
  'certificate-expiry',
  'config-regression',
  'cpu-saturation',
  'dependency-down',
  'disk-full',
  'error-spike',
  'high-latency',
  'memory-leak',
  'traffic-surge',
];

/** A logger whose JSON lines the test can read. */
function capturedLogger() {
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const log = createLogger({ level: 'debug', format: 'json', stream });
  return { log, lines: () => chunks.join('') };
}

/** Polls until `check` holds (the debounced watcher re-indexes on its own time), for at most 10 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the condition did not hold within 10 s');
}

const runbook = (title: string, tags: string, body: string) =>
  `---\ntitle: ${title}\nservices: '*'\ntags: [${tags}]\nseverity: high\n---\n\n# ${title}\n\n${body}\n`;

describe('runbook index on the shipped runbooks (FTS5, BM25)', () => {
  let index: RunbookIndex;
  beforeAll(async () => {
    index = await createRunbookIndex({ dir: 'runbooks', log: createSilentLogger(), watch: false });
  });
  afterAll(() => index.close());

  const names = async (q: string, limit = 5) => (await index.search(q, limit)).map((m) => m.name);

  it('indexes the ten Markdown runbooks (not the README, not the scripts) with their front matter', () => {
    expect(index.list().map((d) => d.name)).toEqual(SHIPPED);
    const disk = index.get('disk-full')!;
    expect(disk).toMatchObject({ path: 'runbooks/disk-full.md', services: ['*'], severity: 'high' });
    expect(disk.title).toMatch(/^Disk full/);
    expect(disk.tags).toContain('inodes');
    expect(disk.alerts).toContain('KubePersistentVolumeFillingUp');
    expect(index.get('flush-dns')).toBeUndefined();
  });

  it.each([
    ['which runbook covers a full disk?', 'disk-full'],
    ['full disk?', 'disk-full'],
    ['OOM', 'memory-leak'],
    ['oom kills', 'memory-leak'],
    ['cert expired', 'certificate-expiry'],
    ['tls handshake', 'certificate-expiry'],
    ['high cpu', 'cpu-saturation'],
    ['traffic surge', 'traffic-surge'],
    ['database down', 'dependency-down'],
    ['feature flag change', 'config-regression'],
    ['5xx errors', 'error-spike'],
  ])('"%s" ranks %s first', async (query, first) => {
    expect((await names(query))[0]).toBe(first);
  });

  it('"latency after deploy" ranks bad deploy and high latency in the top 2', async () => {
    expect((await names('latency after deploy', 2)).sort()).toEqual(['bad-deploy', 'high-latency']);
  });

  it('matches the last word as a prefix ("certif")', async () => {
    expect((await names('certif'))[0]).toBe('certificate-expiry');
    expect((await names('memo'))[0]).toBe('memory-leak');
  });

  it('gives each match a title, a highlighted snippet, a score (best first) and the path', async () => {
    const matches = await index.search('disk full', 3);
    expect(matches[0]).toMatchObject({ name: 'disk-full', path: 'runbooks/disk-full.md' });
    expect(matches[0].title).toMatch(/^Disk full/);
    expect(matches[0].snippet).toMatch(/\*\*(disk|full)\*\*/i);
    expect(matches[0].snippet).not.toMatch(/\n/);
    for (let i = 1; i < matches.length; i++) expect(matches[i - 1].score).toBeGreaterThanOrEqual(matches[i].score);
    expect(matches.length).toBeLessThanOrEqual(3);
  });

  it.each([
    '"disk',
    'disk"full"',
    'AND OR NOT',
    'NEAR(disk full)',
    'title:disk',
    'disk* -full ^x',
    "what's up with {the} [disk]?",
    '(((',
    '',
    '   ',
    '💥 ☃',
  ])('does not throw on FTS5 syntax in the words: %j', async (query) => {
    await expect(index.search(query, 5)).resolves.toEqual(expect.any(Array));
  });

  it('keeps quoted and punctuated words as words', async () => {
    expect((await names('"disk full"'))[0]).toBe('disk-full');
    expect((await names('title:certificate'))[0]).toBe('certificate-expiry');
  });

  it('answers nothing for words no runbook has, and for words that only ask for a runbook', async () => {
    expect(await index.search('kafka rebalancing zookeeper', 5)).toEqual([]);
    expect(await index.search('which runbook covers', 5)).toEqual([]);
  });
});

describe('runbook index on a folder that changes', () => {
  let dir: string;
  let index: RunbookIndex;
  let logs: () => string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sco-runbooks-'));
    writeFileSync(join(dir, 'disk-full.md'), runbook('Disk full', 'disk, storage', 'Free space on the volume.'));
    writeFileSync(join(dir, 'broken.md'), '---\ntitle: [unclosed\ntags: x\n---\n\n# Broken\n');
    writeFileSync(join(dir, 'wrong-type.md'), '---\ntitle: Wrong\ntags: {a: 1}\n---\n\nBody with kafka.\n');
    writeFileSync(join(dir, 'plain.md'), '# Kafka lag\n\nConsumers fall behind the producers.\n');
    writeFileSync(join(dir, 'README.md'), '# Runbooks\n\nAbout kafka and this folder.\n');
    writeFileSync(join(dir, 'flush-dns.sh'), '#!/bin/sh\necho kafka\n');
    const captured = capturedLogger();
    logs = captured.lines;
    index = await createRunbookIndex({ dir, log: captured.log, debounceMs: 20 });
  });
  afterEach(() => {
    index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const found = async (q: string) => (await index.search(q, 5)).map((m) => m.name);

  it('skips a malformed file and logs why; indexes the others (no front matter: titled by its heading)', async () => {
    expect(index.list().map((d) => d.name)).toEqual(['disk-full', 'plain']);
    expect(index.get('plain')?.title).toBe('Kafka lag');
    const skipped = logs()
      .split('\n')
      .filter((l) => l.includes('runbook skipped'))
      .map((l) => JSON.parse(l) as { level: string; path: string; reason: string });
    expect(skipped.map((s) => s.path).sort()).toEqual([join(dir, 'broken.md'), join(dir, 'wrong-type.md')]);
    expect(skipped.every((s) => s.level === 'warn')).toBe(true);
    expect(skipped.find((s) => s.path.endsWith('broken.md'))?.reason).toMatch(/not valid YAML/);
    expect(skipped.find((s) => s.path.endsWith('wrong-type.md'))?.reason).toMatch(/`tags` must be/);
  });

  it('re-indexes when a file is added, edited or removed', async () => {
    expect(await found('certificate')).toEqual([]);
    writeFileSync(join(dir, 'cert.md'), runbook('Certificate expiry', 'tls, certificate', 'Renew it.'));
    await eventually(async () => (await found('certificate'))[0] === 'cert');

    writeFileSync(join(dir, 'disk-full.md'), runbook('Disk full', 'disk, inodes', 'Delete old snapshots.'));
    await eventually(async () => (await found('snapshots'))[0] === 'disk-full');
    expect(await found('volume')).toEqual([]);

    unlinkSync(join(dir, 'cert.md'));
    await eventually(async () => (await found('certificate')).length === 0);
    expect(index.get('cert')).toBeUndefined();

    writeFileSync(join(dir, 'broken.md'), runbook('Fixed now', 'kafka', 'Repaired.'));
    await eventually(async () => index.get('broken')?.title === 'Fixed now');
  });

  it('close stops the watcher and answers no more matches', async () => {
    index.close();
    writeFileSync(join(dir, 'late.md'), runbook('Late', 'late', 'Added after close.'));
    await new Promise((r) => setTimeout(r, 100));
    expect(await index.search('late', 5)).toEqual([]);
    expect(() => index.close()).not.toThrow();
  });

  it('a missing folder is an empty index, not an error', async () => {
    const none = await createRunbookIndex({ dir: join(dir, 'nope'), log: createSilentLogger() });
    expect(none.list()).toEqual([]);
    expect(await none.search('disk', 5)).toEqual([]);
    none.close();
  });
});

describe('runbookOfUrl: the runbook an alert annotation names', () => {
  let index: RunbookIndex;
  beforeAll(async () => {
    index = await createRunbookIndex({ dir: 'runbooks', log: createSilentLogger(), watch: false });
  });
  afterAll(() => index.close());

  it.each([
    ['runbooks/disk-full.md', 'disk-full'],
    ['./runbooks/disk-full.md', 'disk-full'],
    ['disk-full.md', 'disk-full'],
    ['disk-full', 'disk-full'],
    ['runbooks/disk-full.md#mitigate', 'disk-full'],
    ['https://github.com/acme/ops/blob/main/runbooks/memory-leak.md', 'memory-leak'],
    ['https://runbooks.example.com/errors', undefined],
    ['https://example.com/disk-full.md', undefined],
    ['runbooks/unknown.md', undefined],
    ['not a url at all', undefined],
  ])('%s -> %s', (url, name) => {
    expect(runbookOfUrl(url, index)?.name).toBe(name);
  });
});
