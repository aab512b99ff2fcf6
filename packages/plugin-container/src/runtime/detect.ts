import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TflyteError } from '@tflyte/core';
import { ContainerRuntimeUnavailableError } from './errors.ts';
import { execCommand } from './exec.ts';

export type RuntimeKind = 'podman' | 'docker';

export const RUNTIME_ENV_VAR = 'TFLYTE_CONTAINER_RUNTIME';
const KINDS: readonly RuntimeKind[] = ['podman', 'docker'];

export interface DetectOptions {
  /** Use exactly this runtime; wins over TFLYTE_CONTAINER_RUNTIME and `prefer`. */
  runtime?: RuntimeKind;
  /** Order in which runtimes are tried when none is chosen explicitly. Default: podman, then docker. */
  prefer?: readonly RuntimeKind[];
  /** Environment to read PATH and TFLYTE_CONTAINER_RUNTIME from and to pass on. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directory for the private containers.conf. Default: `<os.tmpdir()>/tflyte-container-<uid>`. */
  stateDir?: string;
}

/** A usable runtime: the binary and the environment every invocation of it must get. */
export interface DetectedRuntime {
  kind: RuntimeKind;
  binary: string;
  version: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Finds a working podman or docker. Podman is pointed (via CONTAINERS_CONF, never /etc) at a private
 * containers.conf selecting runc and ulimits below the usual hard limits: on cgroup-v1 hybrid hosts
 * without CAP_SYS_RESOURCE crun and podman's default nofile=1048576 both fail to start containers.
 */
export async function detectContainerRuntime(options: DetectOptions = {}): Promise<DetectedRuntime> {
  const env = options.env ?? process.env;
  const candidates = chooseCandidates(options, env);
  const attempts: string[] = [];
  for (const kind of candidates) {
    const binary = await findOnPath(kind, env.PATH);
    if (binary === undefined) {
      attempts.push(`${kind}: not found on PATH`);
      continue;
    }
    const probe = kind === 'podman' ? await probePodman(binary, env, options.stateDir) : await probeDocker(binary, env);
    if (typeof probe === 'string') attempts.push(`${kind} (${binary}): ${probe}`);
    else return probe;
  }
  for (const kind of KINDS) {
    if (!candidates.includes(kind)) attempts.push(`${kind}: not tried (${explicitSource(options, env)} chose ${candidates.join(', ')})`);
  }
  throw new ContainerRuntimeUnavailableError(attempts);
}

function chooseCandidates(options: DetectOptions, env: NodeJS.ProcessEnv): readonly RuntimeKind[] {
  if (options.runtime !== undefined) return [checkKind('runtime option', options.runtime)];
  const fromEnv = env[RUNTIME_ENV_VAR]?.trim();
  if (fromEnv) return [checkKind(RUNTIME_ENV_VAR, fromEnv)];
  const prefer = (options.prefer ?? KINDS).map((kind) => checkKind('prefer option', kind));
  return [...new Set(prefer)];
}

function checkKind(source: string, value: string): RuntimeKind {
  if ((KINDS as readonly string[]).includes(value)) return value as RuntimeKind;
  throw new TflyteError('TFLYTE_CONFIG', `${source}: unknown container runtime ${JSON.stringify(value)}; use 'podman' or 'docker'`);
}

function explicitSource(options: DetectOptions, env: NodeJS.ProcessEnv): string {
  if (options.runtime !== undefined) return 'the runtime option';
  return env[RUNTIME_ENV_VAR]?.trim() ? RUNTIME_ENV_VAR : 'the prefer option';
}

async function findOnPath(name: string, path: string | undefined): Promise<string | undefined> {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function probeDocker(binary: string, env: NodeJS.ProcessEnv): Promise<DetectedRuntime | string> {
  // Asking for the server version fails fast when only the client is installed (no daemon).
  const result = await runProbe(binary, ['version', '--format', '{{.Server.Version}}'], env);
  if ('problem' in result) return result.problem;
  return { kind: 'docker', binary, version: result.version, env };
}

async function probePodman(binary: string, env: NodeJS.ProcessEnv, stateDir: string | undefined): Promise<DetectedRuntime | string> {
  // podman looks its OCI runtime up in its own list of directories, so PATH alone is not enough.
  const runcDirs = [env.PATH ?? '', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/bin', '/sbin'].join(delimiter);
  const hasRunc = (await findOnPath('runc', runcDirs)) !== undefined;
  const confPath = await writeContainersConf(podmanConf(hasRunc), stateDir);
  const podmanEnv = { ...env, CONTAINERS_CONF: confPath };
  const result = await runProbe(binary, ['version', '--format', '{{.Client.Version}}'], podmanEnv);
  if ('problem' in result) return result.problem;
  return { kind: 'podman', binary, version: result.version, env: podmanEnv };
}

async function runProbe(
  binary: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ version: string } | { problem: string }> {
  try {
    const result = await execCommand(binary, args, { env, signal: AbortSignal.timeout(20_000) });
    if (result.code === 0 && result.stdout.trim()) return { version: result.stdout.trim() };
    const firstLine = result.stderr.trim().split('\n')[0] || `exit code ${result.code}`;
    return { problem: `\`${binary} ${args[0]}\` failed: ${firstLine}` };
  } catch (error) {
    return { problem: `could not be run: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function podmanConf(hasRunc: boolean): string {
  return [
    '# Written by @tflyte/plugin-container and passed to podman through CONTAINERS_CONF.',
    '[containers]',
    'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]',
    ...(hasRunc ? ['[engine]', 'runtime = "runc"'] : []),
    '',
  ].join('\n');
}

/** Writes the config under a content-addressed name once; concurrent writers race harmlessly via rename. */
async function writeContainersConf(content: string, stateDir: string | undefined): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const dir = stateDir ?? join(tmpdir(), `tflyte-container-${uid}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The file decides which binary podman runs as OCI runtime: only a directory nobody else can write is safe.
  const info = await lstat(dir);
  if (!info.isDirectory() || (process.getuid && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw new TflyteError(
      'TFLYTE_CONFIG',
      `container runtime state dir ${dir} must be a directory owned by uid ${uid} and writable only by it; remove it or pass another stateDir`,
    );
  }
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const file = join(dir, `containers-${hash}.conf`);
  try {
    await access(file);
  } catch {
    const temp = `${file}.${randomUUID()}.tmp`;
    await writeFile(temp, content, { mode: 0o600 });
    await rename(temp, file);
  }
  return file;
}
