import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Role } from '../../src/auth/roles';
import { ROLE_PERMISSIONS, type Permission } from '../../src/auth/permissions';
import { renderText } from '../../src/reply/render-text';
import { tempDbPath } from '../helpers/app';
import { addUser, asBearer, httpApp, login, type HttpApp } from '../http/http-app';
import { DURING_BURST, lastVersion, recordingSink } from '../helpers/app';

/**
 * Set-up for the tests about people and their credentials: a real app with HTTP (fastify inject)
 * and chat, and people who each hold an access token, API keys and a linked Slack id.
 */

/** The demo catalog, with `scale` needing two approvals (and no cooldown, so tests can ask often). */
export function twoApprovalCatalog(): string {
  const file = join(dirname(tempDbPath('sco-people-')), 'actions.json');
  writeFileSync(
    file,
    JSON.stringify({
      actions: {
        restart: {
          risk: 'medium',
          approvals: 1,
          cooldownS: 0,
          maxPerHour: 1000,
          targets: { default: { kind: 'demo' } },
        },
        scale: {
          risk: 'low',
          approvals: 2,
          cooldownS: 0,
          maxPerHour: 1000,
          replicas: { min: 1, max: 50 },
          targets: { default: { kind: 'demo' } },
        },
      },
    }),
  );
  return file;
}

export interface Person {
  id: string;
  person: string;
  name: string;
  /** Access token headers. */
  token: { authorization: string };
  /** A fresh API key with these permissions (default: all of their role's), as X-API-Key headers. */
  key(permissions?: Permission[]): { 'x-api-key': string };
  /** Their Slack id, linked to them. */
  slack: string;
}

let slackSeq = 0;

export async function person(h: HttpApp, role: Role, name?: string): Promise<Person> {
  const u = await addUser(h.app, role, name);
  const pair = await login(h.http, u.email);
  slackSeq += 1;
  const slack = `U${String(slackSeq).padStart(6, '0')}${u.id.slice(0, 4).toUpperCase()}`;
  h.app.auth.users.link(u.id, 'slack', slack);
  const user = h.app.auth.users.get(u.id);
  if (!user) throw new Error('user vanished');
  return {
    id: u.id,
    person: `user:${u.id}`,
    name: u.name,
    token: asBearer(pair.access_token),
    key: (permissions = [...ROLE_PERMISSIONS[role]]) => ({
      'x-api-key': h.app.auth.apiKeys.create(user, {
        name: `key${Math.random().toString(36).slice(2, 8)}`,
        permissions,
      }).key,
    }),
    slack,
  };
}

export type Call = (
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  payload?: object,
) => Promise<{ status: number; body: Record<string, unknown> }>;

export function caller(h: HttpApp): Call {
  return async (method, url, headers, payload) => {
    const res = await h.http.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
  };
}

/**
 * The people suites' set-up, once per test: a real app on the two-approval catalog, its clock in
 * the demo's error burst, unlinked chat users as viewers; `use` receives it and its REST caller.
 */
export function usePeopleApp(use: (h: HttpApp, call: Call) => void): void {
  let h: HttpApp;
  beforeEach(async () => {
    h = await httpApp({ CONFIG_FILE: twoApprovalCatalog(), DEFAULT_ROLE: 'viewer' });
    h.clock.now = DURING_BURST;
    use(h, caller(h));
  });
  afterEach(async () => h.close());
}

/** One Slack message from `slackUser` through the real conversation; its outcome and the text it answered. */
export async function sayInSlack(
  h: HttpApp,
  slackUser: string,
  text: string,
): Promise<{ outcome: string; text: string }> {
  const sink = recordingSink();
  const handled = await h.app.conversation.handleMessage(
    { platform: 'slack', user: slackUser, channel: 'C1', thread: `t${Math.random()}`, text },
    sink,
  );
  await handled.done;
  return { outcome: handled.outcome, text: sink.messages.map((m) => renderText(lastVersion(m))).join('\n') };
}

export { httpApp, type HttpApp };
