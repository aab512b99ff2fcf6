import type { NormalizedPluginOptions } from './normalize-options.ts';

/**
 * The new package's package.json, shaped like packages/core's: ESM, the workspace source
 * condition first in exports, and @tflyte/* dependencies at the workspace versions.
 */
export function pluginPackageJson(options: NormalizedPluginOptions): Record<string, unknown> {
  const { versions } = options;
  return {
    name: options.packageName,
    version: versions.core,
    description: `${options.taskType} tasks for tflyte, run as jobs on a job service over HTTP`,
    type: 'module',
    sideEffects: false,
    license: versions.license,
    exports: {
      './package.json': './package.json',
      '.': {
        '@tflyte/source': './src/index.ts',
        types: './dist/index.d.ts',
        default: './dist/index.js',
      },
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
    },
  };
}
