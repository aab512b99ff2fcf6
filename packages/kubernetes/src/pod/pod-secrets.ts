/**
 * Secret requests as Flyte's Kubernetes secret injector mounts them: ENV_VAR secrets as
 * `_FSEC_<GROUP>_<KEY>` (or the requested variable name) from a secretKeyRef; FILE and ANY secrets
 * as a secret volume at `/etc/flyte/secrets/<group>/<key>`, with the variables flytekit reads to
 * find them.
 */
import type { V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { BackendError } from '@tflyte/core';
import { type Secret, Secret_MountType } from '@tflyte/idl/core/security';

const SECRETS_DIR = '/etc/flyte/secrets';
const SECRETS_ENV_PREFIX = '_FSEC_';

export interface SecretMounts {
  readonly env: V1EnvVar[];
  readonly volumes: V1Volume[];
  readonly mounts: V1VolumeMount[];
}

/** A DNS-1123 label for the volume of a secret group. */
function volumeName(group: string): string {
  const cleaned = group
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `secret-${cleaned}`.slice(0, 63).replace(/-+$/, '');
}

export function secretMounts(secrets: readonly Secret[]): SecretMounts {
  const env: V1EnvVar[] = [];
  const byGroup = new Map<string, Set<string>>();
  for (const secret of secrets) {
    if (secret.group === '')
      throw new BackendError({
        kind: 'user',
        retryable: false,
        code: 'BadTaskFormat',
        message: 'a secret request has no group: set the Kubernetes secret name as group',
      });
    if (secret.mountRequirement === Secret_MountType.ENV_VAR) {
      if (secret.key === '') {
        throw new BackendError({
          kind: 'user',
          retryable: false,
          code: 'BadTaskFormat',
          message: `secret group '${secret.group}' is requested as an environment variable without a key: name the key to read`,
        });
      }
      env.push({
        name: secret.envVar || `${SECRETS_ENV_PREFIX}${secret.group.toUpperCase()}_${secret.key.toUpperCase()}`.replace(/[^A-Z0-9_]/g, '_'),
        valueFrom: { secretKeyRef: { name: secret.group, key: secret.key } },
      });
      continue;
    }
    const keys = byGroup.get(secret.group) ?? new Set<string>();
    if (secret.key !== '') keys.add(secret.key);
    byGroup.set(secret.group, keys);
  }
  if (env.length > 0) env.push({ name: 'FLYTE_SECRETS_ENV_PREFIX', value: SECRETS_ENV_PREFIX });
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  for (const [group, keys] of byGroup) {
    const name = volumeName(group);
    volumes.push({
      name,
      secret: { secretName: group, ...(keys.size > 0 ? { items: [...keys].map((key) => ({ key, path: key.toLowerCase() })) } : {}) },
    });
    mounts.push({ name, mountPath: `${SECRETS_DIR}/${group.toLowerCase()}`, readOnly: true });
  }
  if (volumes.length > 0)
    env.push({ name: 'FLYTE_SECRETS_DEFAULT_DIR', value: SECRETS_DIR }, { name: 'FLYTE_SECRETS_FILE_PREFIX', value: '' });
  return { env, volumes, mounts };
}
