import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../src/auth/roles';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { NOW, testApp } from '../helpers/app';

/**
 * Shared set-up for the HTTP auth and REST suites: a real app on a temp SQLite file, a clock tests
 * can move, fastify inject.
 */

export const PASSWORD = 'correct horse battery staple 9';

/** 48 random characters, as `openssl rand -base64 36` gives. */
export function jwtSecret(): string {
  return randomBytes(36).toString('base64');
}

export interface HttpApp {
  app: App;
  http: FastifyInstance;
  clock: { now: number };
  logs: () => string;
  close(): Promise<void>;
}

/** `beforeReady` may add routes or hooks before the server is ready. */
export async function httpApp(
  env: Record<string, string> = {},
  beforeReady?: (http: FastifyInstance, app: App) => void,
): Promise<HttpApp> {
  const clock = { now: NOW };
  const { app, logs } = await testApp({ JWT_SECRET: jwtSecret(), LOG_LEVEL: 'http', ...env }, () => clock.now);
  const http = createHttpForApp(app);
  beforeReady?.(http, app);
  await http.ready();
  return {
    app,
    http,
    clock,
    logs,
    async close() {
      await http.close();
      await app.close();
    },
  };
}

let seq = 0;

/** A user of `role` with a fresh email; returns what logging in needs. */
export async function addUser(
  app: App,
  role: Role,
  name?: string,
): Promise<{ id: string; email: string; name: string; password: string }> {
  seq += 1;
  const email = `${name ?? role}${seq}@example.com`;
  const user = await app.auth.users.create({
    email,
    password: PASSWORD,
    role,
    ...(name ? { name: `${name}${seq}` } : {}),
  });
  return { id: user.id, email, name: user.name, password: PASSWORD };
}

export const asBearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

export interface Pair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export async function login(http: FastifyInstance, email: string, password = PASSWORD): Promise<Pair> {
  const res = await http.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
  return res.json<Pair>();
}

/** A user of `role`, logged in: its access token as headers. */
export async function session(
  h: HttpApp,
  role: Role,
): Promise<{ id: string; email: string; headers: { authorization: string }; pair: Pair }> {
  const user = await addUser(h.app, role);
  const pair = await login(h.http, user.email);
  return { id: user.id, email: user.email, headers: asBearer(pair.access_token), pair };
}
