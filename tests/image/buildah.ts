import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * The image built by `npm run test:image`, run with Debian's buildah the way a container runtime
 * would run it: the image's own ENTRYPOINT, CMD, USER, environment and HEALTHCHECK, read from the
 * image. chroot isolation shares the host's network, so the container's ports are on loopback.
 */
function storage(): string[] {
  const root = process.env.BUILDAH_ROOT;
  const work = process.env.IMAGE_WORK;
  if (!root || !work || !process.env.IMAGE_TAG)
    throw new Error('run through `npm run test:image`, which builds the image and sets BUILDAH_ROOT and IMAGE_TAG');
  return ['--root', root, '--runroot', `${work}/run`, '--storage-driver', 'vfs'];
}

export const IMAGE = (): string => process.env.IMAGE_TAG ?? '';

export async function buildah(...args: string[]): Promise<string> {
  const { stdout } = await exec('buildah', [...storage(), ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** The Docker-format config of the image: what `docker run` would use. */
export interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  Volumes?: Record<string, unknown>;
  ExposedPorts?: Record<string, unknown>;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number };
}

export async function imageConfig(): Promise<ImageConfig> {
  const inspected = JSON.parse(await buildah('inspect', '--type', 'image', IMAGE())) as {
    Docker: { config: ImageConfig };
  };
  return inspected.Docker.config;
}

export interface Container {
  name: string;
  /** The running main process (buildah run), when started. */
  child?: ChildProcess;
  output(): string;
  /** Runs a second command inside the same container (like `docker exec`); resolves with its exit code. */
  exec(argv: string[], env?: Record<string, string>): Promise<{ code: number; stdout: string }>;
  /** Sends a signal to the container's main process, and waits for it to exit; resolves its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  remove(): Promise<void>;
}

export interface RunOptions {
  /** Arguments after the ENTRYPOINT, replacing CMD (like `docker run IMAGE args...`). Default: CMD. */
  args?: string[];
  env?: Record<string, string>;
}

const envFlags = (env: Record<string, string> = {}) => Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);

/** Starts the image as a container, the main process as `docker run` would start it. */
export async function runImage(config: ImageConfig, options: RunOptions = {}): Promise<Container> {
  const name = await buildah('from', '--pull=never', '--quiet', IMAGE());
  const argv = [...(config.Entrypoint ?? []), ...(options.args ?? config.Cmd ?? [])];
  // The image's VOLUME (/data) is a volume of the container's own, kept with it until `remove`.
  const runFlags = ['--isolation', 'chroot', '--network', 'host', ...envFlags(options.env)];
  let output = '';
  const child = spawn('buildah', [...storage(), 'run', ...runFlags, name, '--', ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return {
    name,
    child,
    output: () => output,
    async exec(cmd, env) {
      try {
        const stdout = await buildah(
          'run',
          '--isolation',
          'chroot',
          '--network',
          'host',
          ...envFlags(env),
          name,
          '--',
          ...cmd,
        );
        return { code: 0, stdout };
      } catch (err) {
        const e = err as { code?: number; stdout?: string };
        return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '' };
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const gone = once(child, 'exit') as Promise<[number | null]>;
      const pid = await mainPid(child.pid ?? 0);
      process.kill(pid ?? child.pid ?? 0, signal);
      const [code] = await gone;
      return code;
    },
    async remove() {
      if (child.exitCode === null && child.signalCode === null) {
        // Kill the container's process, not only `buildah run`, which would leave it running.
        const gone = once(child, 'exit');
        const pid = await mainPid(child.pid ?? 0);
        if (pid) process.kill(pid, 'SIGKILL');
        child.kill('SIGKILL');
        await gone;
      }
      await buildah('rm', name).catch(() => undefined);
    },
  };
}

/**
 * The container's main process: with chroot isolation it shares the host's process table, as the
 * descendant of `buildah run` whose command line is the image's node process.
 */
async function mainPid(runPid: number): Promise<number | undefined> {
  const { stdout } = await exec('ps', ['-eo', 'pid=,ppid=,args=']);
  const rows = stdout
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
  const below = new Set([runPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows)
      if (below.has(r.ppid) && !below.has(r.pid)) {
        below.add(r.pid);
        grew = true;
      }
  }
  return rows.find((r) => below.has(r.pid) && r.pid !== runPid && /^(\S*\/)?node bin\/smartcloudops\.js/.test(r.args))
    ?.pid;
}
