import { BackendError, TflyteError } from '@tflyte/core';

/** Neither podman nor docker is usable; `attempts` says why each candidate was rejected. */
export class ContainerRuntimeUnavailableError extends TflyteError {
  readonly attempts: readonly string[];
  constructor(attempts: readonly string[]) {
    super(
      'TFLYTE_CONFIG',
      'no container runtime available: container tasks run locally in podman or docker.\n' +
        attempts.map((line) => `  - ${line}`).join('\n') +
        '\nInstall podman (Debian/Ubuntu as root: `apt-get install -y --no-install-recommends podman runc`, or run ' +
        'tools/ci/install-container-runtime.sh) or docker (https://docs.docker.com/engine/install/) and make sure it ' +
        'is on PATH; pick one with TFLYTE_CONTAINER_RUNTIME=podman|docker.',
    );
    this.attempts = attempts;
  }
}

/** A container spec field is invalid; raised before any runtime command is started. */
export class ContainerSpecError extends TflyteError {
  readonly field: string;
  constructor(field: string, problem: string) {
    super('TFLYTE_INVALID_OPTION', `container spec: '${field}' ${problem}`);
    this.field = field;
  }
}

/**
 * Failures the task's own spec causes, told apart by the runtime's message (podman's and docker's
 * wording), with Kubernetes' reason names. Anything else is the runtime's fault and worth a retry.
 */
const USER_FAULTS: ReadonlyArray<[RegExp, string]> = [
  [/no such image|image not known|manifest unknown|pull access denied/i, 'ErrImagePull'],
  [/executable file not found|exec format error/i, 'ContainerCannotRun'],
  [/no such file or directory|invalid mount|bind source path does not exist/i, 'CreateContainerError'],
];

/**
 * A runtime command (create, start, import, ...) failed for reasons other than the container's own
 * exit code. A BackendError, so the executor spends user or system retries according to `kind`.
 */
export class ContainerCommandError extends BackendError {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(argv: readonly string[], exitCode: number | null, stderr: string, options?: { cause?: unknown }) {
    const detail = stderr.trim() || `exit code ${exitCode}`;
    const userReason = USER_FAULTS.find(([pattern]) => pattern.test(stderr))?.[1];
    super(
      {
        kind: userReason === undefined ? 'system' : 'user',
        retryable: userReason === undefined,
        code: userReason ?? 'ContainerRuntimeError',
        message: `'${argv.slice(0, 3).join(' ')} …' failed: ${detail}`,
      },
      options,
    );
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/**
 * The task's image is not among the runtime's local images and could not be pulled (pulling is off,
 * a `localhost/` image was never built here, or its registry cannot be reached). The spec's own
 * fault, which a retry cannot mend: one attempt, one line naming the image and what to do.
 */
export class ImageUnavailableError extends BackendError {
  readonly image: string;
  constructor(image: string, runtime: string, why: string, options?: { cause?: unknown }) {
    super(
      {
        kind: 'user',
        retryable: false,
        code: 'ErrImagePull',
        message:
          `image '${image}' is not among ${runtime}'s local images and ${why}: build it on this machine ` +
          `(${runtime} build -t ${image} <dir>) or pull it from a registry this machine can reach`,
      },
      options,
    );
    this.image = image;
  }
}

/** The last error line of a runtime's pull output, without its retry chatter and log prefixes. */
export function pullFailureSummary(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('time=') && !/^Trying to pull/i.test(line));
  const last = lines.at(-1) ?? 'the pull failed';
  return last
    .replace(/^Error( response from daemon)?:\s*/i, '')
    .replace(/^initializing source \S+:\s*/i, '')
    .replace(/^(pinging container registry \S+):\s*Get "[^"]+":\s*/i, '$1: ');
}

/** The caller's AbortSignal fired while the container was being created or was running; it has been removed. */
export class ContainerRunCancelledError extends TflyteError {
  readonly containerName: string;
  constructor(containerName: string, reason: unknown) {
    super('TFLYTE_CANCELLED', `container '${containerName}' was cancelled, stopped and removed`, { cause: reason });
    this.containerName = containerName;
  }
}
