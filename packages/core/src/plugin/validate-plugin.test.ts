import { describe, expect, it } from 'vitest';
import { PluginInvalidError } from '../errors.ts';
import type { AsyncBackend, SyncBackend } from './contract.ts';
import { succeeded } from './status.ts';
import { validateBackend } from './validate-plugin.ts';

const lifecycle: AsyncBackend<string> = {
  name: 'async',
  handleVersion: 1,
  create: async () => 'h',
  get: async () => succeeded(),
  delete: async () => {},
};
const oneCall: SyncBackend = { name: 'sync', do: async () => succeeded() };

describe('validateBackend', () => {
  it('accepts a sync backend (name + do) and an async one (create / get / delete)', () => {
    expect(() => validateBackend(oneCall, 'my-plugin', 'backend')).not.toThrow();
    expect(() => validateBackend(lifecycle, 'my-plugin', 'backend')).not.toThrow();
  });

  it('refuses a do that is not a function, naming the field', () => {
    expect(() => validateBackend({ ...oneCall, do: 'run' }, 'my-plugin', 'backend')).toThrow(/'backend\.do' must be a function/);
  });

  it('refuses a backend that mixes do with the async lifecycle: one of the two is dead code', () => {
    expect(() => validateBackend({ ...lifecycle, ...oneCall }, 'my-plugin', 'backend')).toThrow(PluginInvalidError);
    expect(() => validateBackend({ ...lifecycle, ...oneCall }, 'my-plugin', 'backend')).toThrow(
      /'backend\.create' belongs to async backends/,
    );
  });

  it('requires create, get and delete of a backend without do', () => {
    const { create: _, ...withoutCreate } = lifecycle;
    expect(() => validateBackend(withoutCreate, 'my-plugin', 'backend')).toThrow(/'backend\.create' must be a function/);
  });
});
