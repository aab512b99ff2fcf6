/**
 * A container task's own config. Flyte's raw-container task has no `custom`; the one setting a
 * local run needs beyond the container — host networking — travels in TaskTemplate.config.
 */
import type { ConfigCodec } from '@tflyte/core';
import { NETWORK_CONFIG_KEY } from './task-type.ts';

export interface ContainerConfig {
  readonly network: 'none' | 'host';
}

export const containerConfig: ConfigCodec<ContainerConfig> = {
  encode: (config) => (config.network === 'host' ? { config: { [NETWORK_CONFIG_KEY]: 'host' } } : {}),
  decode: (encoded) => ({ network: encoded.config?.[NETWORK_CONFIG_KEY] === 'host' ? 'host' : 'none' }),
};
