import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { createAuth } from '../../src/auth/auth';
import type { Principal } from '../../src/auth/permissions';
import type { Auth } from '../../src/auth/types';
import { testConfig } from '../../src/config/config';
import { AppError } from '../../src/errors';
import { createToolbox } from '../../src/investigate/tools';
import type { Tool } from '../../src/investigate/types';
import { createLogger } from '../../src/log/logger';
import { createMcpServer, MCP_AUDIT_ACTION, type PrincipalSource } from '../../src/mcp/server';
import { DemoFleet } from '../../src/sources/demo/fleet';
import { openStore, type Store } from '../../src/store/store';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const PASSWORD = 'a-long-enough-password-for-tests';

/**
 * createMcpServer in-process (issue 16 point 9): the SDK's own Client over its InMemoryTransport,
 * the real toolbox on a quiet demo fleet, principals from real API keys on a SQLite store.
 */
describe('createMcpServer (SDK client, in-memory transport)', () => {
  let store: Store;
  let auth: Auth;
  let logged: string;
  let viewer: Principal;
  let noRead: Principal;
  const clients: Client[] = [];

  const tools = () => createToolbox({ source: new DemoFleet({ seed: 42, clock: () => NOW, faults: [] }) });
  const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

  async function connect(principal: PrincipalSource, toolbox: Tool[] = tools()): Promise<Client> {
    const stream = new Writable({ write: (chunk: Buffer, _e, done) => ((logged += chunk.toString()), done()) });
    const log = createLogger({ level: 'info', format: 'json', stream });
    const server = createMcpServer(toolbox, principal, { version: '9.9.9', clock: () => NOW, log, audit: auth.audit });
    const client = new Client({ name: 'test', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    logged = '';
    store = openStore(':memory:');
    auth = createAuth({
      db: store.db,
      config: testConfig().auth,
      clock: () => NOW,
      log: createLogger({ level: 'error', format: 'json' }),
    });
    const v = await auth.users.create({ email: 'vic@example.com', password: PASSWORD, role: 'viewer' });
    viewer = auth.apiKeys.authenticate(auth.apiKeys.create(v, { name: 'mcp', permissions: ['read'] }).key)!;
    // An operator's key scoped to acking incidents: no `read`.
    const o = await auth.users.create({ email: 'otto@example.com', password: PASSWORD, role: 'operator' });
    noRead = auth.apiKeys.authenticate(auth.apiKeys.create(o, { name: 'ack', permissions: ['incidents.manage'] }).key)!;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    store.close();
  });

  it('lists each tool: name, description, JSON Schema input, read-only hints; server name and version', async () => {
    const client = await connect(viewer);
    expect(client.getServerVersion()).toEqual({ name: 'smartcloudops', version: '9.9.9' });
    const { tools: listed } = await client.listTools();
    expect(listed.map((t) => t.name)).toEqual(['service_signals', 'service_anomalies', 'dependency_graph']);
    const signals = listed[0];
    expect(signals.description).toBe(tools()[0].description);
    expect(signals.inputSchema).toMatchObject({
      type: 'object',
      required: ['service'],
      properties: { service: { type: 'string' }, minutes: { type: 'integer', maximum: 360 } },
    });
    expect(signals.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  });

  it('a viewer calls a tool: JSON {summary, data} as text and as structured content, audited', async () => {
    const client = await connect(viewer);
    const result = await client.callTool({ name: 'dependency_graph', arguments: { service: 'checkout-api' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      summary: expect.stringMatching(/^checkout-api calls payments/),
      data: expect.objectContaining({ service: 'checkout-api', callees: expect.arrayContaining(['payments']) }),
    });
    expect(JSON.parse(text(result))).toEqual(result.structuredContent);
    expect(auth.audit.list({ action: MCP_AUDIT_ACTION })).toEqual([
      expect.objectContaining({
        actor: viewer.id,
        outcome: 'ok',
        target: 'dependency_graph',
        detail: { role: 'viewer', arguments: { service: 'checkout-api' } },
      }),
    ]);
  });

  it('without `read`: the tools are listed, every call is a tool error saying why, audited as denied', async () => {
    const client = await connect(noRead);
    expect((await client.listTools()).tools).toHaveLength(3);
    const result = await client.callTool({ name: 'service_signals', arguments: { service: 'payments' } });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/The service_signals tool needs the “read” permission \(the viewer role\)/);
    expect(result.structuredContent).toBeUndefined();
    expect(auth.audit.list({ action: MCP_AUDIT_ACTION })).toEqual([
      expect.objectContaining({ actor: noRead.id, outcome: 'denied', target: 'service_signals' }),
    ]);
    // The server is still there for the next call.
    expect((await client.callTool({ name: 'dependency_graph', arguments: {} })).isError).toBe(true);
  });

  it('bad input and an unknown service are tool errors naming the problem', async () => {
    const client = await connect(viewer);
    const tooLong = await client.callTool({
      name: 'service_signals',
      arguments: { service: 'payments', minutes: 9999 },
    });
    expect(tooLong.isError).toBe(true);
    expect(text(tooLong)).toMatch(/minutes/);
    const extra = await client.callTool({ name: 'dependency_graph', arguments: { service: 'payments', sql: 'x' } });
    expect(extra.isError).toBe(true);
    expect(text(extra)).toMatch(/sql/);
    const unknown = await client.callTool({ name: 'service_signals', arguments: { service: 'paymnts' } });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/Unknown service “paymnts”; known: checkout-api, payments/);
    expect(auth.audit.list({ action: MCP_AUDIT_ACTION })).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        target: 'service_signals',
        detail: expect.objectContaining({ error: 'not_found' }),
      }),
    ]);
  });

  it('looks the principal up on every call: a credential that stops working stops the next call', async () => {
    let revoked = false;
    const client = await connect(() => {
      if (revoked) throw new AppError('unauthorized', 'The API key no longer works.');
      return viewer;
    });
    expect((await client.callTool({ name: 'dependency_graph', arguments: {} })).isError).toBeFalsy();
    revoked = true;
    const after = await client.callTool({ name: 'dependency_graph', arguments: {} });
    expect(after.isError).toBe(true);
    expect(text(after)).toBe('The API key no longer works.');
  });

  it("a tool's unexpected failure is a generic tool error; the details go to the log only", async () => {
    const boom: Tool = {
      name: 'boom',
      description: 'fails',
      input: z.strictObject({}),
      permission: 'read',
      run: async () => {
        throw new Error('disk I/O error at /var/lib/secret-place');
      },
    };
    const client = await connect(viewer, [boom]);
    const result = await client.callTool({ name: 'boom', arguments: {} });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('Something went wrong on our side; the details are in the logs.');
    expect(logged).toContain('disk I/O error at /var/lib/secret-place');
    expect(auth.audit.list({ action: MCP_AUDIT_ACTION })).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        target: 'boom',
        detail: { role: 'viewer', arguments: {}, error: 'internal' },
      }),
    ]);
  });

  it('refuses two tools of one name', () => {
    const [signals] = tools();
    expect(() =>
      createMcpServer([signals, signals], viewer, {
        version: '1',
        clock: () => NOW,
        log: createLogger({ level: 'error', format: 'json' }),
      }),
    ).toThrow(/two tools are named service_signals/);
  });
});
