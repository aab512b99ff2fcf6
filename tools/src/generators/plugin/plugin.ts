/**
 * `nx g @tflyte/tools:plugin --name=<name> [--kind=function|crd|warehouse] [--taskType=<type>] [--target=container|k8sPod]`:
 * scaffolds packages/plugin-<name>, a task-type plugin defined once with `definePlugin`, its backend
 * on the foundation of its kind (core's function backend, @tflyte/kubernetes' resource backend,
 * @tflyte/warehouse's web-API backend), an authoring factory, tests that run the backend
 * conformance suite, and a README.
 */
import { fileURLToPath } from 'node:url';
import { type GeneratorCallback, generateFiles, logger, type Tree, writeJson } from '@nx/devkit';
import { normalizeOptions } from './normalize-options.ts';
import { pluginPackageJson } from './package-json.ts';
import type { PluginGeneratorSchema } from './schema.d.ts';

const FILES = fileURLToPath(new URL('./files', import.meta.url));

/** What to adapt first, per kind, named in the generator's closing message. */
const NEXT_STEP = {
  function: 'adapt src/config.ts (the config your tasks carry) and src/backend.ts (what the backend does with it)',
  crd: "replace the example custom resource in src/crd.ts and src/backend.ts with your operator's",
  warehouse: "replace the example query protocol in src/client.ts and src/testing/ with your service's client and wire protocol",
} as const;

export async function pluginGenerator(tree: Tree, schema: PluginGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  writeJson(tree, `${options.projectRoot}/package.json`, pluginPackageJson(options));
  const substitutions = {
    name: options.name,
    className: options.className,
    propertyName: options.propertyName,
    constantName: options.constantName,
    kind: options.kind,
    taskType: options.taskType,
    target: options.target,
    packageName: options.packageName,
    coreVersion: options.versions.core,
  };
  generateFiles(tree, `${FILES}/common`, options.projectRoot, substitutions);
  generateFiles(tree, `${FILES}/${options.kind}`, options.projectRoot, substitutions);
  // No formatFiles: the workspace has no formatter configured and the templates are formatted.
  return () => {
    logger.info(
      [
        `Created ${options.projectRoot} (${options.packageName}, a ${options.kind} plugin of task type '${options.taskType}').`,
        'Next: run `npm install` to link it into the workspace, then',
        `  npx vitest run ${options.projectRoot}`,
        `and ${NEXT_STEP[options.kind]} (see its README).`,
      ].join('\n'),
    );
  };
}

export default pluginGenerator;
