import { PluginInvalidError } from '../errors.ts';
import type { Backend } from './contract.ts';
import type { Plugin } from './define-plugin.ts';
import { parseRange } from './semver.ts';

const TARGETS = new Set(['container', 'k8sPod', 'sql']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Checks a plugin's shape once, at registration, so a plugin built by hand (or for another core)
 * fails with the name of the field instead of deep inside the executor.
 */
export function validatePlugin(value: unknown): asserts value is Plugin {
  if (!isObject(value)) throw new PluginInvalidError('(unnamed)', 'plugin', 'must be an object built with definePlugin()');
  const label =
    typeof value['packageName'] === 'string' && value['packageName'] !== ''
      ? value['packageName']
      : `for task type '${String(value['taskType'])}'`;
  const fail = (field: string, problem: string): never => {
    throw new PluginInvalidError(label, field, problem);
  };
  if (typeof value['taskType'] !== 'string' || value['taskType'] === '') fail('taskType', 'must be a non-empty string (TaskTemplate.type)');
  const version = value['taskTypeVersion'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) fail('taskTypeVersion', 'must be a non-negative integer');
  if (typeof value['packageName'] !== 'string' || value['packageName'] === '')
    fail('packageName', 'must name the npm package of the plugin');
  const range = value['coreVersion'];
  if (typeof range !== 'string') fail('coreVersion', "must be a semver range of @tflyte/core, e.g. '^0.1.0'");
  else if (parseRange(range) === undefined) fail('coreVersion', `'${range}' is not a valid semver range`);
  if (typeof value['target'] !== 'string' || !TARGETS.has(value['target'])) fail('target', "must be 'container', 'k8sPod' or 'sql'");
  const codec = value['config'];
  if (!isObject(codec) || typeof codec['encode'] !== 'function' || typeof codec['decode'] !== 'function') {
    fail('config', 'must be a codec { encode, decode }: build the plugin with definePlugin(…).plugin()');
  }
  const alsoReads = value['alsoReads'];
  if (alsoReads !== undefined && (!Array.isArray(alsoReads) || !alsoReads.every((v) => Number.isInteger(v) && v >= 0))) {
    fail('alsoReads', 'must be a list of non-negative integers');
  }
  validateBackend(value['backend'], label, 'backend');
}

/** Checks a Backend's shape; `field` is where it was found (`backend`, `backends.spark`). */
export function validateBackend(value: unknown, owner: string, field: string): asserts value is Backend {
  const fail = (sub: string, problem: string): never => {
    throw new PluginInvalidError(owner, sub === '' ? field : `${field}.${sub}`, problem);
  };
  if (!isObject(value)) fail('', 'must be a Backend object: { name, do } or { name, handleVersion, create, get, delete }');
  const backend = value as Record<string, unknown>;
  if (typeof backend['name'] !== 'string' || backend['name'] === '') fail('name', 'must be a non-empty string');
  if (backend['do'] !== undefined) {
    if (typeof backend['do'] !== 'function') fail('do', 'must be a function');
    for (const method of ['create', 'get', 'delete', 'watch', 'finalize']) {
      if (backend[method] !== undefined) fail(method, "belongs to async backends; a backend with 'do' runs each attempt in that one call");
    }
  } else {
    const hv = backend['handleVersion'];
    if (typeof hv !== 'number' || !Number.isInteger(hv) || hv < 0) fail('handleVersion', 'must be a non-negative integer');
    for (const method of ['create', 'get', 'delete']) {
      if (typeof backend[method] !== 'function') fail(method, "must be a function (or give the backend a 'do' instead)");
    }
    for (const hook of ['watch', 'finalize']) {
      if (backend[hook] !== undefined && typeof backend[hook] !== 'function') fail(hook, 'must be a function when present');
    }
  }
  if (backend['inProcess'] !== undefined && typeof backend['inProcess'] !== 'boolean')
    fail('inProcess', 'must be true or false when present');
  const poll = backend['poll'];
  if (poll !== undefined) {
    if (!isObject(poll)) fail('poll', 'must be { initialMs, multiplier, maxMs }');
    const p = poll as Record<string, unknown>;
    const positive = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n > 0;
    if (!positive(p['initialMs'])) fail('poll.initialMs', 'must be a positive number of milliseconds');
    if (typeof p['multiplier'] !== 'number' || !(p['multiplier'] >= 1)) fail('poll.multiplier', 'must be a number >= 1');
    if (!positive(p['maxMs']) || (p['maxMs'] as number) < (p['initialMs'] as number))
      fail('poll.maxMs', 'must be a number >= poll.initialMs');
  }
  const checks = backend['statusChecks'];
  if (checks !== undefined) {
    if (!isObject(checks)) fail('statusChecks', 'must be { maxFailures?, initialMs?, maxMs? }');
    const c = checks as Record<string, unknown>;
    if (c['maxFailures'] !== undefined && !(Number.isInteger(c['maxFailures']) && (c['maxFailures'] as number) >= 0))
      fail('statusChecks.maxFailures', 'must be a non-negative integer');
    for (const key of ['initialMs', 'maxMs']) {
      if (c[key] !== undefined && !(typeof c[key] === 'number' && Number.isFinite(c[key]) && (c[key] as number) >= 0))
        fail(`statusChecks.${key}`, 'must be a non-negative number of milliseconds');
    }
  }
}
