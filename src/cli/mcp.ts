import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createSource } from '../app/source';
import { buildInvestigationParts } from '../app/toolbox';
import { createAuth } from '../auth/auth';
import type { Principal } from '../auth/permissions';
import type { Auth } from '../auth/types';
import { systemClock } from '../clock';
import { secretValues, type Config } from '../config/config';
import { AppError } from '../errors';
import { createLogger, type Logger } from '../log/logger';
import { createMcpServer } from '../mcp/server';
import { packageVersion } from '../models/version';
import { buildActionCatalog } from '../remediation/catalog';
import { createRunbookIndex } from '../runbooks/runbook-index';
import { openStore, type Store } from '../store/store';
import { assertStore } from './admin';

/**
 * `smartcloudops mcp` (issue 16 point 9, DESIGN.md CLI table): the read-only investigation tools as
 * an MCP server on stdio, acting as the user of the API key in MCP_API_KEY, checked against the
 * control plane's store (DATABASE_PATH) at start and again on every call. Stdout carries the
 * protocol only; logs go to stderr. It stops when its client closes stdin (or on SIGINT / SIGTERM).
 */
export const MCP_USAGE =
  '  mcp                                  the read-only investigation tools as an MCP server on stdio\n' +
  "                                       (acts as the user of the API key in MCP_API_KEY, with that user's role)";

type Out = (line: string) => void;

const NO_KEY =
  'smartcloudops mcp: set MCP_API_KEY to an API key (make one with `smartcloudops apikey create --email E ' +
  '--name mcp --permissions read` or POST /auth/api-key); the server acts as its user, with that role';

export interface McpStdio {
  stdin: Readable;
  stdout: Writable;
}

export async function runMcp(
  config: Config,
  argv: string[],
  io: { err: Out },
  stdio: McpStdio = { stdin: process.stdin, stdout: process.stdout },
): Promise<number> {
  parseArgs({ args: argv, options: {} });
  const key = config.mcp.apiKey;
  if (!key) {
    io.err(NO_KEY);
    return 1;
  }
  const log = createLogger({ level: config.log.level, format: config.log.format, secrets: secretValues(config) });
  const opened = openAuth(config, log, io.err);
  if (!opened) return 1;
  const { store, auth } = opened;
  const first = auth.apiKeys.authenticate(key);
  if (!first) {
    store.close();
    io.err(
      `smartcloudops mcp: MCP_API_KEY is not a working API key in ${config.databasePath} (unknown, revoked or ` +
        'expired, or its user is disabled): make a new one with `smartcloudops apikey create`',
    );
    return 1;
  }
  // Checked again on every call: a key revoked, or a user disabled, while the server runs stops at once.
  const principal = (): Principal => {
    const now = auth.apiKeys.authenticate(key);
    if (!now)
      throw new AppError(
        'unauthorized',
        'The API key in MCP_API_KEY no longer works (revoked or expired, or its user is disabled); ' +
          'restart the MCP server with a working key.',
      );
    return now;
  };
  try {
    await serve(config, { store, auth, principal, first, log, stdio });
    log.info('MCP server stopped');
    return 0;
  } finally {
    store.close();
  }
}

/** The store and auth on DATABASE_PATH, or undefined after one line naming MCP_API_KEY (nothing is created). */
function openAuth(config: Config, log: Logger, err: Out): { store: Store; auth: Auth } | undefined {
  try {
    assertStore(config.databasePath, 'mcp');
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    err(`smartcloudops mcp: MCP_API_KEY is checked against the control plane's store, but ${e.userMessage}`);
    return undefined;
  }
  const store = openStore(config.databasePath);
  return { store, auth: createAuth({ db: store.db, config: config.auth, clock: systemClock, log }) };
}

interface ServeInput {
  store: Store;
  auth: Auth;
  principal: () => Principal;
  /** The principal as checked at start, for the log line. */
  first: Principal;
  log: Logger;
  stdio: McpStdio;
}

/** Builds the tools, serves them on stdio, and resolves once the client has gone. */
async function serve(config: Config, input: ServeInput): Promise<void> {
  const { store, auth, principal, first, log, stdio } = input;
  const source = createSource(config, systemClock, log);
  const runbooks = await createRunbookIndex({
    dir: config.remediation.runbooksDir,
    log: log.child({ component: 'runbooks' }),
  });
  try {
    const { tools } = await buildInvestigationParts(config, {
      source,
      store,
      runbooks,
      catalog: buildActionCatalog(config.file),
      log,
    });
    const server = createMcpServer(tools, principal, {
      version: packageVersion(),
      clock: systemClock,
      log,
      audit: auth.audit,
    });
    const gone = untilGone(stdio.stdin);
    await server.connect(new StdioServerTransport(stdio.stdin, stdio.stdout));
    log.info('MCP server on stdio', { as: first.name, role: first.role, tools: tools.map((t) => t.name) });
    await gone;
    await server.close();
  } finally {
    runbooks.close();
  }
}

/** Settles when stdin ends or closes (the client went away), or on SIGINT / SIGTERM. */
function untilGone(stdin: Readable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stdin.off('end', done);
      stdin.off('close', done);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    stdin.once('end', done);
    stdin.once('close', done);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
