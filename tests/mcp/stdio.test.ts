import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createAuth } from '../../src/auth/auth';
import type { Auth } from '../../src/auth/types';
import { testConfig } from '../../src/config/config';
import { createLogger } from '../../src/log/logger';
import { MCP_AUDIT_ACTION } from '../../src/mcp/server';
import { openStore, type Store } from '../../src/store/store';
import { BIN, runCli } from '../helpers/cli';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const PASSWORD = 'a-long-enough-password-for-tests';

/**
 * `smartcloudops mcp` (built CLI; issue 16 point 9): the SDK's own Client spawns it over stdio
 * (StdioClientTransport), lists and calls the tools on the demo fleet (a bad deploy on payments)
 * and the project's runbooks, as users whose API keys were made with the real auth module on a
 * temp store. Without a working key it exits 1, naming MCP_API_KEY and never printing the key.
 */
describe('smartcloudops mcp (SDK client over stdio)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sco-mcp-'));
  const db = join(dir, 'smartcloudops.db');
  const faults = join(dir, 'faults.yaml');
  const keys: Record<'viewer' | 'noRead' | 'revoked' | 'later', { key: string; id: string }> = {} as never;

  /** The store, as a process beside the server opens it. */
  function withAuth<T>(fn: (auth: Auth, store: Store) => T | Promise<T>): Promise<T> {
    const store = openStore(db);
    const auth = createAuth({
      db: store.db,
      config: testConfig().auth,
      clock: Date.now,
      log: createLogger({ level: 'error', format: 'json' }),
    });
    return Promise.resolve(fn(auth, store)).finally(() => store.close());
  }

  const env = (key?: string): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    DATABASE_PATH: db,
    DEMO_FAULTS: faults,
    RUNBOOKS_DIR: join(ROOT, 'runbooks'),
    LOG_FORMAT: 'json',
    ...(key ? { MCP_API_KEY: key } : {}),
  });

  async function connect(key: string): Promise<{ client: Client; stderr: () => string }> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp'],
      env: env(key),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'sco-test', version: '1.0.0' });
    await client.connect(transport);
    return { client, stderr: () => stderr };
  }

  const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;
  const data = (r: unknown) => (r as { structuredContent: { data: Record<string, unknown> } }).structuredContent.data;

  beforeAll(async () => {
    writeFileSync(faults, 'faults:\n  - kind: bad_deploy\n    service: payments\n    start: -40m\n');
    await withAuth(async (auth) => {
      const viewer = await auth.users.create({ email: 'vic@example.com', password: PASSWORD, role: 'viewer' });
      const operator = await auth.users.create({ email: 'otto@example.com', password: PASSWORD, role: 'operator' });
      const make = (user: typeof viewer, permissions: Array<'read' | 'incidents.manage'>) => {
        const { key, info } = auth.apiKeys.create(user, { name: 'mcp', permissions });
        return { key, id: info.id };
      };
      keys.viewer = make(viewer, ['read']);
      keys.noRead = make(operator, ['incidents.manage']);
      keys.revoked = make(viewer, ['read']);
      keys.later = make(viewer, ['read']);
      auth.apiKeys.revoke(keys.revoked.id);
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a viewer lists the tools and calls them on the demo fleet and runbooks; bad input is a tool error', async () => {
    const { client, stderr } = await connect(keys.viewer.key);
    try {
      expect(client.getServerVersion()).toEqual({ name: 'smartcloudops', version: VERSION });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual([
        'service_signals',
        'service_anomalies',
        'dependency_graph',
        'changes',
        'incidents',
        'runbook_search',
      ]);

      const graph = await client.callTool({ name: 'dependency_graph', arguments: { service: 'checkout-api' } });
      expect(graph.isError).toBeFalsy();
      expect(data(graph).callees).toEqual(expect.arrayContaining(['payments', 'inventory']));
      expect(JSON.parse(text(graph))).toEqual(graph.structuredContent);

      const signals = await client.callTool({
        name: 'service_signals',
        arguments: { service: 'payments', minutes: 60 },
      });
      expect(signals.isError).toBeFalsy();
      const latency = (data(signals).signals as Record<string, { points: unknown[] }>).latency_p99;
      expect(latency.points.length).toBeGreaterThan(10);

      const changes = await client.callTool({ name: 'changes', arguments: { service: 'payments' } });
      expect(data(changes).events).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'deploy' })]));

      const runbooks = await client.callTool({ name: 'runbook_search', arguments: { query: 'memory leak' } });
      expect((data(runbooks).runbooks as Array<{ name: string }>)[0].name).toBe('memory-leak');

      const incidents = await client.callTool({ name: 'incidents', arguments: {} });
      expect(incidents.isError).toBeFalsy();

      const bad = await client.callTool({
        name: 'service_signals',
        arguments: { service: 'payments', minutes: 100_000 },
      });
      expect(bad.isError).toBe(true);
      expect(text(bad)).toMatch(/minutes/);
      const unknown = await client.callTool({ name: 'dependency_graph', arguments: { service: 'paymnts' } });
      expect(unknown.isError).toBe(true);
      expect(text(unknown)).toMatch(/Unknown service “paymnts”/);
    } finally {
      await client.close();
    }
    expect(stderr()).toContain('MCP server on stdio');
    expect(stderr()).not.toContain(keys.viewer.key);
    const audited = await withAuth((auth) =>
      auth.audit.list({ action: MCP_AUDIT_ACTION, actor: `apikey:${keys.viewer.id}` }),
    );
    expect(audited.map((e) => `${e.target} ${e.outcome}`).reverse()).toEqual([
      'dependency_graph ok',
      'service_signals ok',
      'changes ok',
      'runbook_search ok',
      'incidents ok',
      'dependency_graph failed',
    ]);
  });

  it('a key without `read`: each call refused as a tool error; a key revoked mid-session stops next call', async () => {
    const narrow = await connect(keys.noRead.key);
    try {
      expect((await narrow.client.listTools()).tools.length).toBe(6);
      const refused = await narrow.client.callTool({ name: 'service_signals', arguments: { service: 'payments' } });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/needs the “read” permission/);
    } finally {
      await narrow.client.close();
    }

    const later = await connect(keys.later.key);
    try {
      expect((await later.client.callTool({ name: 'dependency_graph', arguments: {} })).isError).toBeFalsy();
      await withAuth((auth) => auth.apiKeys.revoke(keys.later.id));
      const after = await later.client.callTool({ name: 'dependency_graph', arguments: {} });
      expect(after.isError).toBe(true);
      expect(text(after)).toMatch(/MCP_API_KEY no longer works/);
    } finally {
      await later.client.close();
    }
  });

  it('exits 1 with one line naming MCP_API_KEY without a working key, never printing the key', async () => {
    const none = await runCli(['mcp'], { env: env() });
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^smartcloudops mcp: set MCP_API_KEY to an API key .*apikey create/);

    const unknownKey = `sco_${'0'.repeat(12)}_${'A'.repeat(43)}`;
    for (const key of [unknownKey, keys.revoked.key]) {
      const r = await runCli(['mcp'], { env: env(key) });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^smartcloudops mcp: MCP_API_KEY is not a working API key in .*smartcloudops\.db/);
      expect(r.stderr).not.toContain(key);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }

    const malformed = await runCli(['mcp'], { env: env('not-a-key-but-a-secret') });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/MCP_API_KEY: expected an API key \(sco_…\)/);
    expect(malformed.stderr).not.toContain('not-a-key-but-a-secret');

    const missing = join(dir, 'missing.db');
    const noStore = await runCli(['mcp'], { env: { ...env(keys.viewer.key), DATABASE_PATH: missing } });
    expect(noStore.code).toBe(1);
    expect(noStore.stderr).toMatch(/^smartcloudops mcp: MCP_API_KEY is checked against .*no database at .*missing\.db/);
    expect(noStore.stderr).not.toContain(keys.viewer.key);
    expect(existsSync(missing)).toBe(false);

    const help = await runCli(['mcp', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: smartcloudops mcp/);
  });
});
