/**
 * Who runs an active embedded job: `pid:token`, one token per queue instance. An owner is dead
 * when its process is gone, or when it is this process but no live instance holds the token
 * (an instance dropped without close()).
 */
const liveInThisProcess = new Set<string>();

export const OWNER_PATTERN = /^(\d+):(.+)$/;

export function markOwnerLive(owner: string): void {
  liveInThisProcess.add(owner);
}

export function markOwnerGone(owner: string): void {
  liveInThisProcess.delete(owner);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

export function isDeadOwner(owner: string): boolean {
  const m = OWNER_PATTERN.exec(owner);
  if (!m) return false; // not ours to judge
  const pid = Number(m[1]);
  if (pid === process.pid) return !liveInThisProcess.has(owner);
  return !processAlive(pid);
}
