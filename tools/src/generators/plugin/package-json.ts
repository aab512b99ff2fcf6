import type { NormalizedPluginOptions } from './normalize-options.ts';

const DESCRIPTIONS = {
  function: (taskType: string) => `${taskType} tasks for tflyte: TypeScript functions carrying the plugin's config`,
  crd: (taskType: string) => `${taskType} tasks for tflyte, run as a custom resource job on Kubernetes`,
  warehouse: (taskType: string) => `${taskType} tasks for tflyte: SQL queries on a web API; ./testing has a wire-level test server`,
} as const;

/**
 * The new package's package.json, shaped like packages/core's: ESM, the workspace source
 * condition first in exports, and @tflyte/* dependencies at the workspace versions. A warehouse
 * plugin's test server is its `./testing` subpath; its server-only dependencies are optional peers,
 * so a user of the plugin does not install DuckDB.
 */
export function pluginPackageJson(options: NormalizedPluginOptions): Record<string, unknown> {
  const { versions, kind } = options;
  const entry = (dir: string) => ({
    '@tflyte/source': `./src/${dir}index.ts`,
    types: `./dist/${dir}index.d.ts`,
    default: `./dist/${dir}index.js`,
  });
  const testingDeps =
    kind === 'warehouse'
      ? { '@duckdb/node-api': versions.duckdb!, '@tflyte/testing': versions.core }
      : { '@tflyte/testing': versions.core };
  return {
    name: options.packageName,
    version: versions.core,
    description: DESCRIPTIONS[kind](options.taskType),
    type: 'module',
    sideEffects: false,
    license: versions.license,
    exports: {
      './package.json': './package.json',
      '.': entry(''),
      ...(kind === 'warehouse' ? { './testing': entry('testing/') } : {}),
    },
    files: ['dist', 'src', '!src/**/*.test.ts'],
    engines: versions.engines,
    scripts: {
      build: 'tsc -p tsconfig.lib.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
    },
    dependencies: {
      '@bufbuild/protobuf': versions.protobuf,
      '@tflyte/core': versions.core,
      '@tflyte/idl': versions.idl,
      ...(kind === 'crd' ? { '@tflyte/kubernetes': versions.core } : {}),
      ...(kind === 'warehouse' ? { '@tflyte/warehouse': versions.core } : {}),
    },
    devDependencies: testingDeps,
    ...(kind === 'warehouse'
      ? {
          peerDependencies: testingDeps,
          peerDependenciesMeta: Object.fromEntries(Object.keys(testingDeps).map((dep) => [dep, { optional: true }])),
        }
      : {}),
  };
}
