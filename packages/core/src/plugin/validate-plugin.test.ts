import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { describe, expect, it } from 'vitest';
import { PluginInvalidError } from '../errors.ts';
import type { Backend } from './contract.ts';
import { validateBackend } from './validate-plugin.ts';

const lifecycle: Backend<string> = {
  name: 'sync',
  handleVersion: 1,
  create: async () => 'h',
  get: async () => ({ phase: TaskExecution_Phase.SUCCEEDED }),
  delete: async () => {},
};

describe('validateBackend', () => {
  it('accepts a backend with do beside its create / get / delete lifecycle', () => {
    expect(() => validateBackend({ ...lifecycle, do: async () => ({ phase: TaskExecution_Phase.SUCCEEDED }) }, 'my-plugin', 'backend')).not.toThrow();
  });

  it('refuses a do that is not a function, naming the field', () => {
    expect(() => validateBackend({ ...lifecycle, do: 'run' }, 'my-plugin', 'backend')).toThrow(PluginInvalidError);
    expect(() => validateBackend({ ...lifecycle, do: 'run' }, 'my-plugin', 'backend')).toThrow(/'backend\.do' must be a function when present/);
  });

  it('still requires create, get and delete of a backend with do', () => {
    const { create: _, ...withoutCreate } = lifecycle;
    expect(() => validateBackend({ ...withoutCreate, do: async () => ({ phase: TaskExecution_Phase.SUCCEEDED }) }, 'my-plugin', 'backend')).toThrow(
      /'backend\.create' must be a function/,
    );
  });
});
