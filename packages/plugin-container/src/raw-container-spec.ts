/**
 * What a local run needs from a raw-container TaskTemplate: the container (from a `container`
 * target, or the primary container of a `k8sPod` target), the data directories and the interface.
 */
import { BackendError, type JsonObject, type JsonValue } from '@tflyte/core';
import type { Variable } from '@tflyte/idl/core/interface';
import {
  type DataLoadingConfig,
  type DataLoadingConfig_LiteralMapFormat,
  type Resources_ResourceEntry,
  Resources_ResourceName,
  type TaskTemplate,
} from '@tflyte/idl/core/tasks';
import { containerConfig } from './container-config.ts';
import type { ContainerLimits } from './runtime/index.ts';

export interface RawContainerSpec {
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly limits: ContainerLimits;
  /** Undefined when the template has no enabled DataLoadingConfig: nothing is mounted then. */
  readonly data:
    | { readonly inputPath: string; readonly outputPath: string; readonly format: DataLoadingConfig_LiteralMapFormat }
    | undefined;
  readonly network: 'none' | 'host';
  readonly inputs: Readonly<Record<string, Variable>>;
  readonly outputs: Readonly<Record<string, Variable>>;
}

function invalid(template: TaskTemplate, problem: string): BackendError {
  return new BackendError({
    kind: 'user',
    retryable: false,
    code: 'InvalidTaskTemplate',
    message: `task '${template.id?.name ?? template.type}' cannot run in a local container: ${problem}`,
  });
}

export function rawContainerSpec(template: TaskTemplate): RawContainerSpec {
  const base = containerOf(template);
  const inputs = template.interface?.inputs?.variables ?? {};
  const outputs = template.interface?.outputs?.variables ?? {};
  const config = base.dataConfig?.enabled ? base.dataConfig : undefined;
  if (config === undefined && Object.keys({ ...inputs, ...outputs }).length > 0) {
    throw invalid(template, 'it has inputs or outputs but no enabled dataConfig (DataLoadingConfig) saying where they go');
  }
  if (config !== undefined && (!config.inputPath.startsWith('/') || !config.outputPath.startsWith('/'))) {
    throw invalid(template, `dataConfig paths must be absolute, got inputPath '${config.inputPath}' and outputPath '${config.outputPath}'`);
  }
  return {
    ...base,
    data: config === undefined ? undefined : { inputPath: config.inputPath, outputPath: config.outputPath, format: config.format },
    network: containerConfig.decode({ config: template.config }, template.taskTypeVersion).network,
    inputs,
    outputs,
  };
}

type ContainerPart = Omit<RawContainerSpec, 'data' | 'network' | 'inputs' | 'outputs'> & {
  readonly dataConfig: DataLoadingConfig | undefined;
};

function containerOf(template: TaskTemplate): ContainerPart {
  const target = template.target;
  if (target.case === 'container') {
    const c = target.value;
    // Kubernetes fills a missing limit from the request; a local run has only limits.
    const limit = (name: Resources_ResourceName) => quantity(c.resources?.limits, name) ?? quantity(c.resources?.requests, name);
    return {
      image: c.image,
      command: c.command,
      args: c.args,
      env: Object.fromEntries(c.env.map((kv) => [kv.key, kv.value])),
      limits: withoutUndefined({ cpu: limit(Resources_ResourceName.CPU), memory: limit(Resources_ResourceName.MEMORY) }),
      dataConfig: c.dataConfig,
    };
  }
  if (target.case === 'k8sPod') {
    const primary = target.value.primaryContainerName;
    const containers = target.value.podSpec?.['containers'];
    const found = Array.isArray(containers) ? containers.find((c) => isObject(c) && c['name'] === primary) : undefined;
    if (!isObject(found)) throw invalid(template, `its pod spec has no container named '${primary}' (primaryContainerName)`);
    const resources = isObject(found['resources']) ? found['resources'] : {};
    const pick = (key: string) => stringIn(resources['limits'], key) ?? stringIn(resources['requests'], key);
    const env = Array.isArray(found['env']) ? found['env'].filter(isObject) : [];
    return {
      image: typeof found['image'] === 'string' ? found['image'] : '',
      command: strings(found['command']),
      args: strings(found['args']),
      env: Object.fromEntries(
        env.filter((e) => typeof e['name'] === 'string').map((e) => [String(e['name']), typeof e['value'] === 'string' ? e['value'] : '']),
      ),
      limits: withoutUndefined({ cpu: pick('cpu'), memory: pick('memory') }),
      dataConfig: target.value.dataConfig,
    };
  }
  throw invalid(template, `its target is '${target.case ?? 'unset'}', not a container or a pod`);
}

function quantity(entries: readonly Resources_ResourceEntry[] | undefined, name: Resources_ResourceName): string | undefined {
  return entries?.find((e) => e.name === name)?.value || undefined;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringIn(value: JsonValue | undefined, key: string): string | undefined {
  if (!isObject(value)) return undefined;
  const v = value[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function withoutUndefined(limits: { cpu: string | undefined; memory: string | undefined }): ContainerLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as ContainerLimits;
}
