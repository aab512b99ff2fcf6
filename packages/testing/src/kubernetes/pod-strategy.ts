/**
 * core/v1 Pod rules from pkg/registry/core/pod/strategy.go and pkg/apis/core/validation: defaulting, the
 * structural checks that matter to callers (containers, names, images, restart policy, quantities), spec
 * immutability on update, graceful deletion and the pod field selectors. Not a full port of ValidatePod.
 */
import { dns1123LabelProblem, dns1123SubdomainProblem, validateObjectMeta } from './metadata-validation.ts';
import { parseQuantity } from './quantity.ts';
import type { ResourceType, ValidationContext } from './resource-type.ts';
import { type FieldError, fieldErrors } from './status.ts';
import { clone, deepEqual, isPlainObject, type KubeObject, type StoredObject } from './types.ts';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
// validation.IsEnvVarName and IsConfigMapKey, with apimachinery's wording.
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const ENV_VAR_NAME_PROBLEM =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_PROBLEM =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

function configKeyProblem(key: string): string | undefined {
  if (key.length > 253) return 'must be no more than 253 characters';
  if (!CONFIG_KEY.test(key)) return CONFIG_KEY_PROBLEM;
  if (key === '.' || key === '..' || key.startsWith('..')) return "must not be '.' or '..' and must not start with '..'";
  return undefined;
}

/** A secret's name (a DNS-1123 subdomain) and, when given, one of its keys. */
function validateSecretRef(name: unknown, key: unknown, namePath: string, keyPath: string | undefined): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof name !== 'string' || name === '') errors.push(fieldErrors.required(namePath));
  else {
    const problem = dns1123SubdomainProblem(name);
    if (problem !== undefined) errors.push(fieldErrors.invalid(namePath, name, problem));
  }
  if (keyPath !== undefined) {
    if (typeof key !== 'string' || key === '') errors.push(fieldErrors.required(keyPath));
    else {
      const problem = configKeyProblem(key);
      if (problem !== undefined) errors.push(fieldErrors.invalid(keyPath, key, problem));
    }
  }
  return errors;
}

/** Volume names must be unique DNS-1123 labels; a secret volume names a valid secret and keys. */
function validateVolumes(volumes: unknown, path: string, names: Set<string>): FieldError[] {
  if (volumes === undefined) return [];
  if (!Array.isArray(volumes)) return [fieldErrors.typeInvalid(path, volumes, 'must be a list')];
  const errors: FieldError[] = [];
  volumes.forEach((v, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(v)) {
      errors.push(fieldErrors.typeInvalid(at, v, 'must be an object'));
      return;
    }
    if (typeof v.name !== 'string' || v.name === '') errors.push(fieldErrors.required(`${at}.name`));
    else {
      const problem = dns1123LabelProblem(v.name);
      if (problem !== undefined) errors.push(fieldErrors.invalid(`${at}.name`, v.name, problem));
      if (names.has(v.name)) errors.push(fieldErrors.duplicate(`${at}.name`, v.name));
      names.add(v.name);
    }
    if (isPlainObject(v.secret)) {
      errors.push(...validateSecretRef(v.secret.secretName, undefined, `${at}.secret.secretName`, undefined));
      if (Array.isArray(v.secret.items)) {
        v.secret.items.forEach((item, j) => {
          const key = isPlainObject(item) ? item.key : undefined;
          const problem = typeof key === 'string' && key !== '' ? configKeyProblem(key) : 'Required value';
          if (problem !== undefined)
            errors.push(
              typeof key === 'string' && key !== ''
                ? fieldErrors.invalid(`${at}.secret.items[${j}].key`, key, problem)
                : fieldErrors.required(`${at}.secret.items[${j}].key`),
            );
        });
      }
    }
  });
  return errors;
}

/** Each mount names a volume of the pod, and no two mounts of one container share a path. */
function validateVolumeMounts(mounts: unknown, path: string, volumes: ReadonlySet<string>): FieldError[] {
  if (mounts === undefined) return [];
  if (!Array.isArray(mounts)) return [fieldErrors.typeInvalid(path, mounts, 'must be a list')];
  const errors: FieldError[] = [];
  const paths = new Set<string>();
  mounts.forEach((m, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(m)) {
      errors.push(fieldErrors.typeInvalid(at, m, 'must be an object'));
      return;
    }
    if (typeof m.name !== 'string' || m.name === '') errors.push(fieldErrors.required(`${at}.name`));
    else if (!volumes.has(m.name)) errors.push(fieldErrors.notFound(`${at}.name`, m.name));
    if (typeof m.mountPath !== 'string' || m.mountPath === '') errors.push(fieldErrors.required(`${at}.mountPath`));
    else {
      if (paths.has(m.mountPath)) errors.push(fieldErrors.invalid(`${at}.mountPath`, m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
  });
  return errors;
}
const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

function containersOf(spec: Record<string, unknown>, key: 'containers' | 'initContainers'): Record<string, unknown>[] {
  const list = spec[key];
  return Array.isArray(list) ? list.filter(isPlainObject) : [];
}

function imagePullPolicyFor(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  const lastSegment = image.split('/').pop() ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  return !lastSegment.includes(':') || lastSegment.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

function qosClass(spec: Record<string, unknown>): string {
  const containers = [...containersOf(spec, 'containers'), ...containersOf(spec, 'initContainers')];
  const resources = containers.map((c) => (isPlainObject(c.resources) ? c.resources : {}));
  const has = (r: Record<string, unknown>, key: 'requests' | 'limits'): Record<string, unknown> => (isPlainObject(r[key]) ? r[key] : {});
  if (resources.every((r) => Object.keys(has(r, 'requests')).length === 0 && Object.keys(has(r, 'limits')).length === 0))
    return 'BestEffort';
  const guaranteed = resources.every((r) => {
    const limits = has(r, 'limits');
    const requests = { ...limits, ...has(r, 'requests') };
    return ['cpu', 'memory'].every((res) => limits[res] !== undefined && parseQuantity(limits[res]) === parseQuantity(requests[res]));
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Defaults the API server fills in on create (SetDefaults_Pod and friends), and the fresh Pending status. */
function preparePodForCreate(pod: KubeObject): void {
  if (!isPlainObject(pod.spec)) return;
  const spec = pod.spec;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  for (const container of [...containersOf(spec, 'containers'), ...containersOf(spec, 'initContainers')]) {
    container.imagePullPolicy ??= imagePullPolicyFor(container.image);
    container.terminationMessagePath ??= '/dev/termination-log';
    container.terminationMessagePolicy ??= 'File';
    container.resources ??= {};
    if (isPlainObject(container.resources) && isPlainObject(container.resources.limits) && container.resources.requests === undefined) {
      // Requests default to limits, which is what makes a limits-only pod Guaranteed.
      container.resources.requests = clone(container.resources.limits);
    }
  }
  pod.status = { phase: 'Pending', qosClass: qosClass(spec) };
}

function isStringList(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function validateResources(resources: unknown, path: string): FieldError[] {
  if (resources === undefined) return [];
  if (!isPlainObject(resources)) return [fieldErrors.typeInvalid(path, resources, 'must be an object')];
  const errors: FieldError[] = [];
  const parsed: Record<string, Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    const list = resources[kind];
    if (list === undefined) continue;
    if (!isPlainObject(list)) {
      errors.push(fieldErrors.typeInvalid(`${path}.${kind}`, list, 'must be a map of resource name to quantity'));
      continue;
    }
    for (const [name, quantity] of Object.entries(list)) {
      const value = parseQuantity(quantity);
      if (value === undefined) {
        errors.push(
          fieldErrors.invalid(
            `${path}.${kind}[${name}]`,
            quantity,
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
          ),
        );
      } else if (value < 0) {
        errors.push(fieldErrors.invalid(`${path}.${kind}[${name}]`, quantity, 'must be greater than or equal to 0'));
      } else {
        parsed[kind]![name] = value;
      }
    }
  }
  for (const [name, request] of Object.entries(parsed.requests!)) {
    const limit = parsed.limits![name];
    if (limit !== undefined && request > limit) {
      errors.push(
        fieldErrors.invalid(
          `${path}.requests`,
          String((resources.requests as Record<string, unknown>)[name]),
          `must be less than or equal to ${name} limit of ${String((resources.limits as Record<string, unknown>)[name])}`,
        ),
      );
    }
  }
  return errors;
}

function validateContainer(c: Record<string, unknown>, path: string, seen: Set<string>, volumes: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof c.name !== 'string' || c.name === '') {
    errors.push(fieldErrors.required(`${path}.name`));
  } else {
    const problem = dns1123LabelProblem(c.name);
    if (problem !== undefined) errors.push(fieldErrors.invalid(`${path}.name`, c.name, problem));
    if (seen.has(c.name)) errors.push(fieldErrors.duplicate(`${path}.name`, c.name));
    seen.add(c.name);
  }
  if (typeof c.image !== 'string' || c.image.trim() === '') errors.push(fieldErrors.required(`${path}.image`));
  for (const key of ['command', 'args']) {
    if (c[key] !== undefined && !isStringList(c[key]))
      errors.push(fieldErrors.typeInvalid(`${path}.${key}`, c[key], 'must be a list of strings'));
  }
  if (c.env !== undefined) {
    if (!Array.isArray(c.env)) errors.push(fieldErrors.typeInvalid(`${path}.env`, c.env, 'must be a list'));
    else {
      c.env.forEach((e, i) => {
        if (!isPlainObject(e) || typeof e.name !== 'string' || e.name === '') {
          errors.push(fieldErrors.required(`${path}.env[${i}].name`));
          return;
        }
        if (!ENV_VAR_NAME.test(e.name)) errors.push(fieldErrors.invalid(`${path}.env[${i}].name`, e.name, ENV_VAR_NAME_PROBLEM));
        const ref = isPlainObject(e.valueFrom) && isPlainObject(e.valueFrom.secretKeyRef) ? e.valueFrom.secretKeyRef : undefined;
        if (ref !== undefined) {
          const at = `${path}.env[${i}].valueFrom.secretKeyRef`;
          errors.push(...validateSecretRef(ref.name, ref.key, `${at}.name`, `${at}.key`));
        }
      });
    }
  }
  if (Array.isArray(c.ports)) {
    c.ports.forEach((p, i) => {
      const port = isPlainObject(p) ? p.containerPort : undefined;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        errors.push(fieldErrors.invalid(`${path}.ports[${i}].containerPort`, port ?? null, 'must be between 1 and 65535, inclusive'));
      }
    });
  }
  errors.push(...validateVolumeMounts(c.volumeMounts, `${path}.volumeMounts`, volumes));
  errors.push(...validateResources(c.resources, `${path}.resources`));
  return errors;
}

/** ValidatePodSpec's structural checks, reported under `path` (`spec`, or `template.spec` of a PodTemplate). */
export function validatePodSpec(spec: unknown, path = 'spec'): FieldError[] {
  if (!isPlainObject(spec)) return [fieldErrors.required(path)];
  const volumes = new Set<string>();
  const errors: FieldError[] = validateVolumes(spec.volumes, `${path}.volumes`, volumes);
  const seen = new Set<string>();
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) {
    errors.push(fieldErrors.required(`${path}.containers`));
  } else {
    spec.containers.forEach((c, i) => {
      if (isPlainObject(c)) errors.push(...validateContainer(c, `${path}.containers[${i}]`, seen, volumes));
      else errors.push(fieldErrors.typeInvalid(`${path}.containers[${i}]`, c, 'must be an object'));
    });
  }
  if (spec.initContainers !== undefined) {
    if (!Array.isArray(spec.initContainers))
      errors.push(fieldErrors.typeInvalid(`${path}.initContainers`, spec.initContainers, 'must be a list'));
    else
      spec.initContainers.forEach((c, i) => {
        if (isPlainObject(c)) errors.push(...validateContainer(c, `${path}.initContainers[${i}]`, seen, volumes));
        else errors.push(fieldErrors.typeInvalid(`${path}.initContainers[${i}]`, c, 'must be an object'));
      });
  }
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(spec.restartPolicy as string)) {
    errors.push(fieldErrors.notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  }
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && (typeof deadline !== 'number' || !Number.isInteger(deadline) || deadline < 1)) {
    errors.push(fieldErrors.invalid(`${path}.activeDeadlineSeconds`, deadline, 'must be between 1 and 2147483647, inclusive'));
  }
  return errors;
}

/** Spec fields a pod update may change; everything else is immutable once the pod exists. */
function mutableSpecMasked(spec: unknown): unknown {
  if (!isPlainObject(spec)) return spec;
  const masked = clone(spec);
  for (const key of ['containers', 'initContainers'] as const) {
    for (const c of containersOf(masked, key)) delete c.image;
  }
  delete masked.activeDeadlineSeconds;
  delete masked.tolerations;
  delete masked.terminationGracePeriodSeconds;
  delete masked.schedulingGates;
  return masked;
}

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function validateStatus(status: unknown): FieldError[] {
  if (status === undefined) return [];
  if (!isPlainObject(status)) return [fieldErrors.typeInvalid('status', status, 'must be an object')];
  const errors: FieldError[] = [];
  if (status.phase !== undefined && !PHASES.includes(status.phase as string))
    errors.push(fieldErrors.notSupported('status.phase', status.phase, PHASES));
  if (status.conditions !== undefined) {
    if (!Array.isArray(status.conditions)) errors.push(fieldErrors.typeInvalid('status.conditions', status.conditions, 'must be a list'));
    else
      status.conditions.forEach((c, i) => {
        if (!isPlainObject(c) || typeof c.type !== 'string' || c.type === '')
          errors.push(fieldErrors.required(`status.conditions[${i}].type`));
      });
  }
  return errors;
}

function validatePod(pod: KubeObject, ctx: ValidationContext): FieldError[] {
  if (ctx.subresource === 'status') return validateStatus(pod.status);
  const errors = [...validateObjectMeta(pod), ...validatePodSpec(pod.spec)];
  if (ctx.old !== undefined && errors.length === 0 && !deepEqual(mutableSpecMasked(pod.spec), mutableSpecMasked(ctx.old.spec))) {
    errors.push(fieldErrors.forbidden('spec', POD_UPDATE_FORBIDDEN));
  }
  return errors;
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'boolean' || typeof value === 'number' ? String(value) : undefined;
}

function specField(key: string): (pod: KubeObject) => string | undefined {
  return (pod) => (isPlainObject(pod.spec) ? (str(pod.spec[key]) ?? '') : '');
}

function statusField(key: string): (pod: KubeObject) => string | undefined {
  return (pod) => (isPlainObject(pod.status) ? (str(pod.status[key]) ?? '') : '');
}

/** The registered pod type: status subresource, graceful deletion on a node, deleted objects returned. */
export function podResourceType(): ResourceType {
  return {
    group: '',
    versions: ['v1'],
    storageVersion: 'v1',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    listKind: 'PodList',
    shortNames: ['po'],
    namespaced: true,
    statusSubresource: true,
    returnDeletedObject: true,
    allowUnconditionalUpdate: true,
    selectableFields: {
      'spec.nodeName': specField('nodeName'),
      'spec.restartPolicy': specField('restartPolicy'),
      'spec.schedulerName': specField('schedulerName'),
      'spec.serviceAccountName': specField('serviceAccountName'),
      'spec.hostNetwork': (pod) => (isPlainObject(pod.spec) ? String(pod.spec.hostNetwork === true) : 'false'),
      'status.phase': statusField('phase'),
      'status.podIP': statusField('podIP'),
      'status.nominatedNodeName': statusField('nominatedNodeName'),
    },
    normalize: () => [],
    prepareForCreate: preparePodForCreate,
    validate: validatePod,
    gracePeriodSeconds(pod: StoredObject, requested: number | undefined): number {
      // Unscheduled and finished pods have nothing for a kubelet to stop, so they go at once.
      const spec = isPlainObject(pod.spec) ? pod.spec : {};
      const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
      if (typeof spec.nodeName !== 'string' || spec.nodeName === '' || phase === 'Succeeded' || phase === 'Failed') return 0;
      const grace = requested ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30);
      return Math.max(0, grace);
    },
  };
}
