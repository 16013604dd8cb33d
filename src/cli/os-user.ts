import { userInfo } from 'node:os';

/**
 * The operating-system user running the CLI, or `fallback` when the system cannot say (e.g. no
 * passwd entry in a container).
 */
export function osUserName(fallback: string): string {
  try {
    return userInfo().username || fallback;
  } catch {
    return fallback;
  }
}
