/**
 * `nx g @tflyte/tools:plugin --name=<name> [--taskType=<type>] [--target=container|k8sPod|sql]`:
 * scaffolds packages/plugin-<name>, a task-type plugin that implements @tflyte/core's contract
 * with a working HTTP job-service backend, an authoring factory, tests and a README.
 */
import { fileURLToPath } from 'node:url';
import { type GeneratorCallback, type Tree, generateFiles, logger, writeJson } from '@nx/devkit';
import { normalizeOptions } from './normalize-options.ts';
import { pluginPackageJson } from './package-json.ts';
import type { PluginGeneratorSchema } from './schema.d.ts';

const FILES = fileURLToPath(new URL('./files', import.meta.url));

export async function pluginGenerator(tree: Tree, schema: PluginGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  writeJson(tree, `${options.projectRoot}/package.json`, pluginPackageJson(options));
  generateFiles(tree, FILES, options.projectRoot, {
    name: options.name,
    className: options.className,
    propertyName: options.propertyName,
    constantName: options.constantName,
    taskType: options.taskType,
    target: options.target,
    packageName: options.packageName,
    coreVersion: options.versions.core,
  });
  // No formatFiles: the workspace has no formatter configured and the templates are formatted.
  return () => {
    logger.info(
      [
        `Created ${options.projectRoot} (${options.packageName}, task type '${options.taskType}').`,
        'Next: run `npm install` to link it into the workspace, then',
        `  npx vitest run ${options.projectRoot}`,
        `and adapt src/backend.ts to your service's API (see its README).`,
      ].join('\n'),
    );
  };
}

export default pluginGenerator;
