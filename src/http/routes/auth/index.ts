import type { ApiRoute } from '../../route';
import {
  changePasswordRoute,
  getProfileRoute,
  putProfileRoute,
  registerRoute,
  rolesRoute,
  verifyRoute,
} from './account';
import { loginRoute, logoutRoute, refreshRoute } from './session';
import type { AuthRouteDeps } from './shared';

/**
 * `/auth/*` (DESIGN.md): log in, refresh, log out, verify, register, password, profile, roles.
 * Over the auth core's interfaces only (src/auth/types.ts). One message for a wrong email and a
 * wrong password; login throttled; every event audited with ids and names, never secrets.
 * Sessions are in session.ts, users in account.ts, the shared schemas and the audit helper in
 * shared.ts; API keys are in api-keys.ts.
 */
export function authRoutes(deps: AuthRouteDeps): ApiRoute[] {
  return [
    loginRoute(deps),
    logoutRoute(deps),
    refreshRoute(deps),
    verifyRoute(deps),
    registerRoute(deps),
    changePasswordRoute(deps),
    getProfileRoute(deps),
    putProfileRoute(deps),
    rolesRoute(),
  ];
}
