import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import type { Backend } from '../plugin/contract.ts';
import { defineConfig } from './define-config.ts';
import { findConfigFile, loadConfig } from './load-config.ts';

const NODE = fileURLToPath(new URL('../../../../node_modules/.bin/node', import.meta.url));
const LOAD_CONFIG_MODULE = pathToFileURL(fileURLToPath(new URL('./load-config.ts', import.meta.url))).href;

const backend: Backend = {
  name: 'noop',
  handleVersion: 1,
  create: async () => 'h',
  get: async () => ({ phase: TaskExecution_Phase.SUCCEEDED }),
  delete: async () => {},
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('defineConfig', () => {
  it('returns the config unchanged when it is valid', () => {
    const config = {
      plugins: [],
      backends: { spark: backend },
      stateDir: 'state',
      systemRetries: 0,
      storage: { rawOutputPrefix: 's3://b/raw' },
    };
    expect(defineConfig(config)).toBe(config);
  });

  it('names the wrong field', () => {
    const cases: ReadonlyArray<readonly [unknown, string | undefined]> = [
      [null, undefined],
      [{}, 'plugins'],
      [{ plugins: [{}] }, 'plugins[0]'],
      [{ plugins: [], backends: [] }, 'backends'],
      [{ plugins: [], backends: { spark: { ...backend, create: 1 } } }, 'backends.spark.create'],
      [{ plugins: [], stateDir: '' }, 'stateDir'],
      [{ plugins: [], systemRetries: -1 }, 'systemRetries'],
      [{ plugins: [], storage: { stores: [{}] } }, 'storage.stores[0]'],
      [{ plugins: [], storage: { rawOutputPrefix: 3 } }, 'storage.rawOutputPrefix'],
      [{ plugins: [], plugin: [] }, 'plugin'],
    ];
    for (const [value, field] of cases) {
      const error = configError(() => defineConfig(value as never));
      expect(error.field, JSON.stringify(value)).toBe(field);
      expect(error.code).toBe('TFLYTE_CONFIG');
    }
  });
});

describe('loadConfig', () => {
  it('falls back to defaults when no config file exists up to the root', async () => {
    expect(await loadConfig(dir)).toEqual({ config: { plugins: [] }, path: undefined, projectDir: dir, stateDir: join(dir, '.tflyte') });
  });

  it('finds the nearest config walking up from cwd and resolves stateDir from its directory', async () => {
    await writeFile(join(dir, 'tflyte.config.mjs'), `export default { plugins: [], stateDir: 'var/state', systemRetries: 1 };\n`);
    const nested = join(dir, 'src', 'deep');
    await mkdir(nested, { recursive: true });
    const loaded = await loadConfig(nested);
    expect(loaded.path).toBe(join(dir, 'tflyte.config.mjs'));
    expect(loaded.projectDir).toBe(dir);
    expect(loaded.stateDir).toBe(join(dir, 'var', 'state'));
    expect(loaded.config.systemRetries).toBe(1);
  });

  it('prefers tflyte.config.ts over .js in the same directory', async () => {
    await writeFile(join(dir, 'tflyte.config.js'), `export default { plugins: [], stateDir: 'from-js' };\n`);
    await writeFile(join(dir, 'tflyte.config.ts'), `const stateDir: string = 'from-ts';\nexport default { plugins: [], stateDir };\n`);
    expect(findConfigFile(dir)).toBe(join(dir, 'tflyte.config.ts'));
    expect((await loadConfig(dir)).stateDir).toBe(join(dir, 'from-ts'));
  });

  it('loads a TypeScript config in plain Node 24 through type stripping', async () => {
    await writeFile(
      join(dir, 'tflyte.config.ts'),
      `interface Shape { plugins: never[]; systemRetries: number }\nconst config: Shape = { plugins: [], systemRetries: 5 };\nexport default config;\n`,
    );
    const out = execFileSync(
      NODE,
      [
        '--input-type=module',
        '-e',
        `const { loadConfig } = await import(${JSON.stringify(LOAD_CONFIG_MODULE)}); const c = await loadConfig(${JSON.stringify(dir)}); console.log(JSON.stringify(c.config));`,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({ plugins: [], systemRetries: 5 });
  });

  it('reports an invalid config with its path and field', async () => {
    await writeFile(join(dir, 'tflyte.config.mjs'), `export default { plugins: 'athena' };\n`);
    await expect(loadConfig(dir)).rejects.toMatchObject({ code: 'TFLYTE_CONFIG', path: join(dir, 'tflyte.config.mjs'), field: 'plugins' });
  });

  it('reports a config that fails to import, keeping the cause', async () => {
    await writeFile(join(dir, 'tflyte.config.mjs'), `throw new Error('broken on purpose');\n`);
    const error = await loadConfig(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('cannot be imported: broken on purpose');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
