import { isAbsolute } from 'node:path';
import { ContainerSpecError } from './errors.ts';
import { cpusFlag, memoryFlag } from './limits.ts';

/** Label put on every container tflyte creates, so leftovers can be found and removed. */
export const MANAGED_LABEL = 'tflyte.managed';

export interface ContainerMount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

/** Kubernetes quantities: cpu '500m' or '2', memory '256Mi'. */
export interface ContainerLimits {
  cpu?: string;
  memory?: string;
}

export interface ContainerSpec {
  image: string;
  /** Replaces the image's ENTRYPOINT (and its CMD), like a Kubernetes container's `command`. */
  command?: readonly string[];
  /** Replaces the image's CMD, like a Kubernetes container's `args`. */
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  mounts?: readonly ContainerMount[];
  workdir?: string;
  /** Default 'none': containers get only a loopback interface. 'host' shares the host's network. */
  network?: 'none' | 'host';
  limits?: ContainerLimits;
  /** Readable prefix of the container name; a random suffix always makes the name unique. */
  name?: string;
  labels?: Readonly<Record<string, string>>;
  /** When to pull the image from a registry. Default 'missing'; 'never' fails at once on a missing image. */
  pull?: 'missing' | 'never' | 'always';
}

const ENV_KEY = /^[^=\0]+$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/**
 * The `create` argument vector for a spec, validated up front so a bad spec fails with the field's
 * name before anything is started. Values use `--flag=value` so none can be mistaken for a flag.
 */
export function buildCreateArgs(spec: ContainerSpec, name: string): string[] {
  if (!spec.image || spec.image.startsWith('-') || /\s/.test(spec.image)) {
    throw new ContainerSpecError('image', `must be an image reference such as 'localhost/app:1', got ${JSON.stringify(spec.image)}`);
  }
  const pull = spec.pull ?? 'missing';
  if (!['missing', 'never', 'always'].includes(pull))
    throw new ContainerSpecError('pull', `must be 'missing', 'never' or 'always', got ${JSON.stringify(pull)}`);
  const args = ['create', `--name=${name}`, `--network=${networkMode(spec.network)}`, `--pull=${pull}`];

  for (const [key, value] of Object.entries(spec.labels ?? {})) {
    if (!LABEL_KEY.test(key))
      throw new ContainerSpecError(`labels.${key}`, 'must start with a letter or digit and contain only letters, digits and . _ / -');
    if (key === MANAGED_LABEL) throw new ContainerSpecError(`labels.${key}`, 'is reserved for tflyte; choose another label key');
    args.push(`--label=${key}=${value}`);
  }
  args.push(`--label=${MANAGED_LABEL}=true`);

  for (const [key, value] of Object.entries(spec.env ?? {})) {
    if (!ENV_KEY.test(key)) throw new ContainerSpecError(`env.${key}`, "must be a non-empty name without '=' or NUL");
    if (value.includes('\0')) throw new ContainerSpecError(`env.${key}`, 'must not contain a NUL character');
    // Always KEY=VALUE: a bare KEY would copy the runtime client's own environment variable instead.
    args.push(`--env=${key}=${value}`);
  }

  spec.mounts?.forEach((mount, index) => {
    for (const field of ['hostPath', 'containerPath'] as const) {
      const path = mount[field];
      if (!isAbsolute(path))
        throw new ContainerSpecError(`mounts[${index}].${field}`, `must be an absolute path, got ${JSON.stringify(path)}`);
      // --mount is a comma-separated list of key=value pairs.
      if (/[,\n\0]/.test(path)) throw new ContainerSpecError(`mounts[${index}].${field}`, 'must not contain commas or newlines');
    }
    args.push(`--mount=type=bind,source=${mount.hostPath},target=${mount.containerPath}${mount.readOnly ? ',readonly' : ''}`);
  });

  if (spec.workdir !== undefined) {
    if (!isAbsolute(spec.workdir)) throw new ContainerSpecError('workdir', `must be an absolute path, got ${JSON.stringify(spec.workdir)}`);
    args.push(`--workdir=${spec.workdir}`);
  }
  if (spec.limits?.cpu !== undefined) args.push(`--cpus=${cpusFlag(spec.limits.cpu)}`);
  if (spec.limits?.memory !== undefined) args.push(`--memory=${memoryFlag(spec.limits.memory)}`);

  const [entrypoint, ...commandRest] = spec.command ?? [];
  if (entrypoint !== undefined) {
    if (!entrypoint) throw new ContainerSpecError('command[0]', 'must be a non-empty executable name or path');
    args.push(`--entrypoint=${entrypoint}`);
  }
  args.push(spec.image, ...commandRest, ...(spec.args ?? []));
  return args;
}

function networkMode(network: ContainerSpec['network']): 'none' | 'host' {
  if (network === undefined || network === 'none' || network === 'host') return network ?? 'none';
  throw new ContainerSpecError('network', `must be 'none' or 'host', got ${JSON.stringify(network)}`);
}
