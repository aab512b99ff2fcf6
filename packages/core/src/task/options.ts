/**
 * Task options shared by every task kind, and their validation. Each option maps to one
 * TaskTemplate / TaskMetadata / Container / ExtendedResources field (see serialize/task-template.ts);
 * anything invalid is rejected when the task is defined, naming the option and the fix.
 */
import { InvalidOptionError } from '../errors.ts';
import type { Duration, JsonObject } from '../types/flyte-type.ts';
import { MAX_DURATION_SECONDS } from '../types/primitives.ts';
import { parseQuantity, toQuantity } from './quantity.ts';

export interface CacheOptions {
  /** Cache version: bump it to invalidate earlier results. Required, as in flytekit (no implicit policy). */
  readonly version: string;
  /** Concurrent identical calls run once; the others wait for its result. */
  readonly serialize?: boolean;
  /** Inputs left out of the cache key. */
  readonly ignoredInputs?: readonly string[];
}

export interface ResourceSpec {
  readonly cpu?: string | number;
  readonly mem?: string;
  readonly gpu?: string | number;
  readonly ephemeralStorage?: string;
}

export type Accelerator =
  | { readonly device: string; readonly partition?: string }
  | { readonly device: string; readonly unpartitioned: true };

export interface SecretRequest {
  readonly group: string;
  readonly key?: string;
  readonly groupVersion?: string;
  readonly mountRequirement?: 'any' | 'env' | 'file';
  readonly envVar?: string;
}

export interface PodTemplateOptions {
  /** A Kubernetes PodSpec as JSON; the task's primary container is merged into it. */
  readonly podSpec: JsonObject;
  readonly primaryContainerName?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface CommonTaskOptions {
  /** Cache outputs by inputs. */
  readonly cache?: CacheOptions;
  /** User-error retries, 0–10. */
  readonly retries?: number;
  /** Seconds, a Duration, or an ISO-8601 duration string (`PT5M`). */
  readonly timeout?: number | Duration | string;
  readonly interruptible?: boolean;
  readonly requests?: ResourceSpec;
  readonly limits?: ResourceSpec;
  readonly accelerator?: Accelerator;
  /** `true` for an unbounded /dev/shm, or a size quantity such as `1Gi`. */
  readonly sharedMemory?: true | string;
  readonly env?: Readonly<Record<string, string>>;
  readonly secretRequests?: readonly SecretRequest[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly podTemplate?: PodTemplateOptions;
  readonly podTemplateName?: string;
  readonly image?: string;
  /** Marks the task deprecated; the message is shown to anyone who uses it. */
  readonly deprecated?: string;
  readonly docs?: string;
  /**
   * The task writes a Flyte Deck (`currentDeck()`): on a cluster `tflyte execute` writes deck.html
   * under the output prefix and the TaskTemplate says so (`generatesDeck`), as flytekit's enable_deck.
   */
  readonly enableDeck?: boolean;
  /** Overrides the default version (the git commit, or a content digest outside git). */
  readonly version?: string;
}

/** Options after validation: durations resolved, quantities normalized, defaults applied. */
export interface NormalizedOptions {
  readonly cache: { readonly version: string; readonly serialize: boolean; readonly ignoredInputs: readonly string[] } | undefined;
  readonly retries: number;
  readonly timeout: Duration | undefined;
  readonly interruptible: boolean | undefined;
  readonly requests: NormalizedResources;
  readonly limits: NormalizedResources;
  readonly accelerator: Accelerator | undefined;
  readonly sharedMemory: { readonly sizeLimit: string } | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly secretRequests: readonly SecretRequest[];
  readonly tags: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly podTemplate: (PodTemplateOptions & { readonly primaryContainerName: string }) | undefined;
  readonly podTemplateName: string | undefined;
  readonly image: string | undefined;
  readonly deprecated: string | undefined;
  readonly docs: string | undefined;
  readonly enableDeck: boolean;
  readonly version: string | undefined;
}

export type NormalizedResources = Readonly<Partial<Record<keyof ResourceSpec, string>>>;

const MAX_RETRIES = 10;
const COMMON_KEYS = new Set<string>([
  'cache',
  'retries',
  'timeout',
  'interruptible',
  'requests',
  'limits',
  'accelerator',
  'sharedMemory',
  'env',
  'secretRequests',
  'tags',
  'labels',
  'annotations',
  'podTemplate',
  'podTemplateName',
  'image',
  'deprecated',
  'docs',
  'enableDeck',
  'version',
]);
const RESOURCE_KEYS = ['cpu', 'mem', 'gpu', 'ephemeralStorage'] as const;
const ENV_VAR = /^[A-Z_][A-Z0-9_]*$/;
// What the Kubernetes API server accepts (validation.IsEnvVarName, IsDNS1123Subdomain, IsConfigMapKey),
// checked here so a pod a cluster would refuse fails when the task is defined.
const K8S_ENV_VAR = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
// NVIDIA MIG profiles: <compute slices>g.<memory>gb, optionally +me (media extensions), e.g. 1g.5gb, 3g.20gb.
const MIG_PARTITION = /^[1-7]g\.\d+gb(\+me)?$/;
const SHM_PATH = '/dev/shm';
// Kubernetes label keys: optional DNS prefix, then a name of ≤63 alphanumerics, '-', '_' or '.'.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Validates the options every task kind shares. `extraKeys` are the kind's own option names. */
export function normalizeOptions(
  task: string,
  options: Readonly<Record<string, unknown>>,
  extraKeys: readonly string[],
  inputNames: readonly string[],
): NormalizedOptions {
  const fail = (option: string, problem: string): never => {
    throw new InvalidOptionError(task, option, problem);
  };
  const allowed = new Set([...COMMON_KEYS, ...extraKeys]);
  const unknown = Object.keys(options).filter((k) => !allowed.has(k));
  if (unknown.length > 0) {
    fail(unknown[0]!, `is not a task option; valid options are: ${[...allowed].sort().join(', ')}`);
  }
  const o = options as CommonTaskOptions;
  for (const name of inputNames) checkVariableName(name, 'inputs', fail);

  const retries = o.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0 || retries > MAX_RETRIES) {
    fail('retries', `must be an integer from 0 to ${MAX_RETRIES}, got ${String(o.retries)}`);
  }

  const sharedMemory = normalizeSharedMemory(o.sharedMemory, fail);
  const podTemplate = normalizePodTemplate(o.podTemplate, fail);
  if (sharedMemory !== undefined) checkSharedMemoryMount(podTemplate, fail);

  return {
    cache: normalizeCache(o.cache, inputNames, fail),
    retries,
    timeout: o.timeout === undefined ? undefined : normalizeTimeout(o.timeout, fail),
    interruptible: optionalBoolean(o.interruptible, 'interruptible', fail),
    ...normalizeResourcePair(o.requests, o.limits, fail),
    accelerator: normalizeAccelerator(o.accelerator, fail),
    sharedMemory,
    env: envRecord(o.env, fail),
    secretRequests: normalizeSecrets(o.secretRequests, fail),
    tags: stringRecord(o.tags, 'tags', fail),
    labels: k8sMetadata(o.labels, 'labels', fail, true),
    annotations: k8sMetadata(o.annotations, 'annotations', fail, false),
    podTemplate,
    podTemplateName: optionalString(o.podTemplateName, 'podTemplateName', fail),
    image: optionalString(o.image, 'image', fail),
    deprecated: optionalString(o.deprecated, 'deprecated', fail),
    docs: optionalString(o.docs, 'docs', fail),
    enableDeck: optionalBoolean(o.enableDeck, 'enableDeck', fail) ?? false,
    version: optionalString(o.version, 'version', fail),
  };
}

type Fail = (option: string, problem: string) => never;

function normalizeCache(cache: unknown, inputNames: readonly string[], fail: Fail): NormalizedOptions['cache'] {
  if (cache === undefined) return undefined;
  if (typeof cache !== 'object' || cache === null || Array.isArray(cache)) {
    return fail('cache', "must be an object such as { version: '1' }");
  }
  const c = cache as Partial<CacheOptions> & Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!['version', 'serialize', 'ignoredInputs'].includes(key)) {
      fail(`cache.${key}`, 'is not a cache option; valid: version, serialize, ignoredInputs');
    }
  }
  if (typeof c.version !== 'string' || c.version === '') {
    fail(
      'cache.version',
      "is required: caching needs an explicit version (e.g. cache: { version: '1' }), bumped to invalidate old results",
    );
  }
  const serialize = optionalBoolean(c.serialize, 'cache.serialize', fail) ?? false;
  const ignored = c.ignoredInputs ?? [];
  if (!Array.isArray(ignored) || !ignored.every((v) => typeof v === 'string')) {
    fail('cache.ignoredInputs', 'must be a list of input names');
  }
  for (const name of ignored) {
    if (!inputNames.includes(name)) {
      fail('cache.ignoredInputs', `names '${name}', which is not an input; inputs are: ${inputNames.join(', ') || '(none)'}`);
    }
  }
  return { version: c.version as string, serialize, ignoredInputs: [...ignored] };
}

/**
 * Seconds, a Duration, or ISO-8601 (`PT1H30M`); 0 means no timeout, as in flytekit. The result
 * becomes TaskMetadata.timeout, a google.protobuf.Duration, so what it cannot hold is refused here
 * rather than when the template is serialized.
 */
function normalizeTimeout(timeout: unknown, fail: Fail): Duration | undefined {
  const shape = "must be seconds (a non-negative number), a { seconds, nanos } Duration, or an ISO-8601 duration such as 'PT5M'";
  let duration: Duration | undefined;
  if (typeof timeout === 'number') {
    if (!Number.isFinite(timeout) || timeout < 0) return fail('timeout', `${shape}, got ${timeout}`);
    duration = fromSeconds(timeout);
  } else if (typeof timeout === 'string') {
    const m = ISO_DURATION.exec(timeout);
    if (!m || timeout === 'P' || timeout === 'PT' || timeout.endsWith('T')) return fail('timeout', `${shape}, got '${timeout}'`);
    const [, d = '0', h = '0', min = '0', s = '0'] = m;
    duration = fromSeconds(Number(d) * 86400 + Number(h) * 3600 + Number(min) * 60 + Number(s));
  } else if (typeof timeout === 'object' && timeout !== null) {
    const { seconds = 0, nanos = 0 } = timeout as Partial<Record<keyof Duration, unknown>>;
    if (
      typeof seconds !== 'number' ||
      !Number.isSafeInteger(seconds) ||
      seconds < 0 ||
      typeof nanos !== 'number' ||
      !Number.isInteger(nanos) ||
      nanos < 0 ||
      nanos > 999_999_999
    ) {
      return fail(
        'timeout',
        `as a Duration needs whole seconds ≥ 0 and nanos from 0 to 999999999, got { seconds: ${String(seconds)}, nanos: ${String(nanos)} }`,
      );
    }
    duration = { seconds, nanos };
  } else {
    return fail('timeout', shape);
  }
  if (duration.seconds > MAX_DURATION_SECONDS) {
    return fail(
      'timeout',
      `is ${duration.seconds} seconds, longer than a protobuf Duration holds (${MAX_DURATION_SECONDS} seconds, 10000 years); use a shorter timeout, or 0 for none`,
    );
  }
  return duration.seconds === 0 && duration.nanos === 0 ? undefined : duration;
}

function fromSeconds(seconds: number): Duration {
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  // Rounding 0.9999999999 s up gives a whole second, not 1e9 nanos.
  return nanos === 1e9 ? { seconds: whole + 1, nanos: 0 } : { seconds: whole, nanos };
}

function normalizeResources(spec: unknown, option: 'requests' | 'limits', fail: Fail): NormalizedResources {
  if (spec === undefined) return {};
  if (typeof spec !== 'object' || spec === null) return fail(option, "must be an object such as { cpu: '500m', mem: '1Gi' }");
  const out: Partial<Record<keyof ResourceSpec, string>> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (!(RESOURCE_KEYS as readonly string[]).includes(key)) {
      fail(`${option}.${key}`, `is not a resource; valid: ${RESOURCE_KEYS.join(', ')}`);
    }
    const quantity = toQuantity(value);
    if (quantity === undefined) {
      fail(`${option}.${key}`, `must be a non-negative Kubernetes quantity such as '500m', '2' or '4Gi', got ${JSON.stringify(value)}`);
    }
    if (key === 'gpu' && !Number.isInteger(parseQuantity(quantity))) {
      // Kubernetes refuses a fractional extended resource when it creates the pod, long after registration.
      fail(
        `${option}.gpu`,
        `must be a whole number of GPUs, got ${JSON.stringify(value)}; for part of a GPU use accelerator: { device, partition } (a MIG slice)`,
      );
    }
    out[key as keyof ResourceSpec] = quantity;
  }
  return out;
}

function normalizeResourcePair(requests: unknown, limits: unknown, fail: Fail) {
  const r = normalizeResources(requests, 'requests', fail);
  const l = normalizeResources(limits, 'limits', fail);
  for (const key of RESOURCE_KEYS) {
    const req = r[key];
    const lim = l[key];
    if (req === undefined || lim === undefined) continue;
    if (key === 'gpu' && parseQuantity(req) !== parseQuantity(lim)) {
      fail('limits.gpu', `must equal requests.gpu (${req}); Kubernetes does not overcommit GPUs`);
    }
    if ((parseQuantity(req) ?? 0) > (parseQuantity(lim) ?? 0)) {
      fail(`requests.${key}`, `(${req}) must not exceed limits.${key} (${lim})`);
    }
  }
  return { requests: r, limits: l };
}

function normalizeAccelerator(value: unknown, fail: Fail): Accelerator | undefined {
  if (value === undefined) return undefined;
  const a = value as Record<string, unknown>;
  if (typeof a !== 'object' || a === null || typeof a.device !== 'string' || a.device === '') {
    return fail('accelerator', "must be { device: 'nvidia-tesla-a100' } with an optional partition ('1g.5gb') or unpartitioned: true");
  }
  if (a.partition !== undefined && a.unpartitioned !== undefined) {
    return fail('accelerator', 'takes either partition or unpartitioned, not both');
  }
  if (a.partition !== undefined && (typeof a.partition !== 'string' || !MIG_PARTITION.test(a.partition))) {
    return fail(
      'accelerator.partition',
      `must be a MIG partition size such as '1g.5gb' or '3g.20gb' (<slices>g.<memory>gb), got ${JSON.stringify(a.partition)}`,
    );
  }
  if (a.unpartitioned !== undefined && a.unpartitioned !== true) {
    return fail('accelerator.unpartitioned', 'can only be true (omit it for the device default)');
  }
  return a.partition !== undefined
    ? { device: a.device, partition: a.partition as string }
    : a.unpartitioned
      ? { device: a.device, unpartitioned: true }
      : { device: a.device };
}

function normalizeSharedMemory(value: unknown, fail: Fail): NormalizedOptions['sharedMemory'] {
  if (value === undefined) return undefined;
  if (value === true) return { sizeLimit: '' };
  const size = toQuantity(value);
  if (typeof value !== 'string' || size === undefined) {
    return fail('sharedMemory', `must be true or a size quantity such as '1Gi', got ${JSON.stringify(value)}`);
  }
  return { sizeLimit: size };
}

function normalizeSecrets(value: unknown, fail: Fail): readonly SecretRequest[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail('secretRequests', "must be a list such as [{ group: 'aws', key: 'token' }]");
  return value.map((s: unknown, i) => {
    const at = `secretRequests[${i}]`;
    const secret = s as Record<string, unknown>;
    if (typeof secret !== 'object' || secret === null || typeof secret.group !== 'string' || secret.group === '') {
      return fail(`${at}.group`, 'is required (a non-empty string)');
    }
    for (const key of ['key', 'groupVersion', 'envVar'] as const) {
      if (secret[key] !== undefined && typeof secret[key] !== 'string') fail(`${at}.${key}`, 'must be a string');
    }
    if (secret.group.length > 253 || !DNS1123_SUBDOMAIN.test(secret.group)) {
      fail(
        `${at}.group`,
        `'${secret.group}' is not a Kubernetes secret name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253)`,
      );
    }
    if (
      typeof secret.key === 'string' &&
      secret.key !== '' &&
      (secret.key.length > 253 || !SECRET_KEY.test(secret.key) || secret.key.startsWith('..'))
    ) {
      fail(
        `${at}.key`,
        `'${secret.key}' is not a Kubernetes secret key: letters, digits, '-', '_' and '.', not starting with '..' (at most 253)`,
      );
    }
    if (secret.mountRequirement !== undefined && !['any', 'env', 'file'].includes(secret.mountRequirement as string)) {
      fail(`${at}.mountRequirement`, "must be 'any', 'env' or 'file'");
    }
    if (typeof secret.envVar === 'string' && !ENV_VAR.test(secret.envVar)) {
      fail(`${at}.envVar`, `must match ${ENV_VAR.source} (upper-case letters, digits, underscores)`);
    }
    return secret as unknown as SecretRequest;
  });
}

function normalizePodTemplate(value: unknown, fail: Fail): NormalizedOptions['podTemplate'] {
  if (value === undefined) return undefined;
  const p = value as Record<string, unknown>;
  if (typeof p !== 'object' || p === null || typeof p.podSpec !== 'object' || p.podSpec === null || Array.isArray(p.podSpec)) {
    return fail('podTemplate.podSpec', 'is required: a Kubernetes PodSpec object');
  }
  const primary = optionalString(p.primaryContainerName, 'podTemplate.primaryContainerName', fail) ?? 'primary';
  checkContainerName(primary, 'podTemplate.primaryContainerName', fail);
  const containers = (p.podSpec as JsonObject).containers;
  if (Array.isArray(containers)) {
    for (const [i, c] of containers.entries()) {
      const name = typeof c === 'object' && c !== null && !Array.isArray(c) ? c.name : undefined;
      if (typeof name !== 'string') {
        fail(`podTemplate.podSpec.containers[${i}].name`, 'is required: every container in a PodSpec has a name');
        continue;
      }
      checkContainerName(name, `podTemplate.podSpec.containers[${i}].name`, fail);
    }
  }
  return {
    podSpec: p.podSpec as JsonObject,
    primaryContainerName: primary,
    labels: k8sMetadata(p.labels, 'podTemplate.labels', fail, true),
    annotations: k8sMetadata(p.annotations, 'podTemplate.annotations', fail, false),
  };
}

/** A DNS-1123 label, which Kubernetes requires of a container name and refuses the pod without. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkContainerName(name: string, option: string, fail: Fail): void {
  if (name.length > 63 || !DNS_1123_LABEL.test(name)) {
    const suggestion =
      name
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 63) || 'primary';
    fail(
      option,
      `'${name}' is not a valid container name: Kubernetes needs a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters), e.g. '${suggestion}'`,
    );
  }
}

/**
 * A variable name is a key in inputs.pb and outputs.pb, a `{{.inputs.x}}` placeholder and a copilot
 * file name: an identifier, as flytekit's come from Python parameter names.
 */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkVariableName(name: string, side: 'inputs' | 'outputs', fail: Fail): void {
  if (name === '') fail(side, 'has a variable with an empty name; name it like a parameter, e.g. x or n_rows');
  if (!VARIABLE_NAME.test(name))
    fail(
      `${side}.${name}`,
      `'${name}' is not a valid variable name: use letters, digits and _, not starting with a digit (e.g. '${name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^(\d)/, '_$1')}')`,
    );
}

function stringRecord(value: unknown, option: string, fail: Fail): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(option, 'must be an object of string values');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`${option}.${k}`, `must be a string, got ${typeof v}`);
  }
  return { ...(value as Record<string, string>) };
}

function envRecord(value: unknown, fail: Fail): Readonly<Record<string, string>> {
  const record = stringRecord(value, 'env', fail);
  for (const name of Object.keys(record)) {
    if (!K8S_ENV_VAR.test(name)) {
      fail(`env.${name}`, "is not a valid environment variable name: letters, digits, '_', '-' and '.', not starting with a digit");
    }
  }
  return record;
}

/**
 * sharedMemory mounts a memory-backed volume at /dev/shm on the primary container; a pod template
 * that mounts something there too would give that container two mounts at one path, which the API
 * server refuses when the pod is created.
 */
function checkSharedMemoryMount(podTemplate: NormalizedOptions['podTemplate'], fail: Fail): void {
  if (podTemplate === undefined) return;
  const containers = (podTemplate.podSpec as { containers?: unknown }).containers;
  if (!Array.isArray(containers)) return;
  containers.forEach((container: unknown, i) => {
    if (typeof container !== 'object' || container === null) return;
    const c = container as { name?: unknown; volumeMounts?: unknown };
    if (c.name !== podTemplate.primaryContainerName || !Array.isArray(c.volumeMounts)) return;
    c.volumeMounts.forEach((mount: unknown, j) => {
      const path = (mount as { mountPath?: unknown } | null)?.mountPath;
      if (typeof path === 'string' && path.replace(/\/+$/, '') === SHM_PATH) {
        fail(
          'sharedMemory',
          `mounts ${SHM_PATH}, which podTemplate.podSpec.containers[${i}].volumeMounts[${j}] mounts too: drop one of the two`,
        );
      }
    });
  });
}

function k8sMetadata(value: unknown, option: string, fail: Fail, isLabels: boolean): Readonly<Record<string, string>> {
  const record = stringRecord(value, option, fail);
  for (const [k, v] of Object.entries(record)) {
    if (!LABEL_KEY.test(k))
      fail(`${option}.${k}`, 'is not a valid Kubernetes key (optional DNS prefix/, then ≤63 alphanumerics, -, _ or .)');
    if (isLabels && !LABEL_VALUE.test(v)) fail(`${option}.${k}`, `value '${v}' is not a valid label value (≤63 alphanumerics, -, _ or .)`);
  }
  return record;
}

function optionalString(value: unknown, option: string, fail: Fail): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return fail(option, `must be a string, got ${typeof value}`);
  return value;
}

function optionalBoolean(value: unknown, option: string, fail: Fail): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') return fail(option, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}
