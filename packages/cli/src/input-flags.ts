/**
 * A task's inputs from `--name value` flags (or an inputs file): every flag names an input, every
 * required input is given, each value parses as its type. Errors name the task, the input and the
 * expected type in one line.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { type AnyType, setOwn, type Task } from '@tflyte/core';
import { SimpleType } from '@tflyte/idl/core/types';
import { fromJson, InputParseError, parseInput } from './parse-input.ts';
import { UsageError } from './usage-error.ts';

/** `nPartitions` answers to `--nPartitions` and `--n-partitions`. */
function flagNames(input: string): string[] {
  const kebab = input
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
  return kebab === input ? [input] : [input, kebab];
}

function isBoolean(type: AnyType): boolean {
  const lt = type.literalType().type;
  return lt.case === 'simple' && lt.value === SimpleType.BOOLEAN;
}

export function parseInputFlags(task: Task, args: readonly string[], cwd: string, inputsFile?: string): Record<string, unknown> {
  const inputs = task.inputs as Record<string, AnyType>;
  const byFlag = new Map<string, string>();
  for (const name of Object.keys(inputs)) for (const flag of flagNames(name)) byFlag.set(flag, name);
  const values: Record<string, unknown> = inputsFile ? readInputsFile(task, inputsFile, cwd) : {};
  const given = (name: string) => (Object.hasOwn(values, name) ? values[name] : undefined);
  const where = (input: string) => `task '${task.name}', input '${input}'`;

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`task '${task.name}': unexpected argument '${arg}'; inputs are given as --name value`);
    const eq = arg.indexOf('=');
    let flag = arg.slice(2, eq === -1 ? undefined : eq);
    let negated = false;
    if (!byFlag.has(flag) && flag.startsWith('no-') && byFlag.has(flag.slice(3))) {
      flag = flag.slice(3);
      negated = true;
    }
    const name = byFlag.get(flag);
    if (name === undefined) {
      const guess = closest(flag, [...byFlag.keys()]);
      throw new UsageError(
        `task '${task.name}': unknown option --${flag}${guess ? `; did you mean --${guess}?` : ''} (inputs: ${describeInputs(inputs)})`,
      );
    }
    const type = inputs[name]!;
    let text: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (isBoolean(type)) {
      if (text === undefined && (args[i + 1] === 'true' || args[i + 1] === 'false')) text = args[++i];
      setOwn(values, name, negated ? false : text === undefined ? true : parseValue(where(name), type, text, cwd));
      continue;
    }
    if (negated) throw new UsageError(`${where(name)}: --no-${flag} is only for boolean inputs`);
    if (text === undefined) {
      text = args[++i];
      if (text === undefined) throw new UsageError(`${where(name)}: --${flag} needs a value (${type.display})`);
    }
    setOwn(values, name, parseValue(where(name), type, text, cwd));
  }

  for (const [name, type] of Object.entries(inputs)) {
    if (given(name) === undefined && type.defaultValue === undefined) {
      throw new UsageError(`task '${task.name}': missing --${flagNames(name).at(-1)} (${type.display})`);
    }
  }
  return values;
}

function parseValue(where: string, type: AnyType, text: string, cwd: string): unknown {
  let value: unknown;
  try {
    value = parseInput(type, text, cwd);
  } catch (error) {
    if (error instanceof InputParseError) {
      const hint = error.message.includes(type.display) ? '' : ` (expected ${type.display})`;
      throw new UsageError(`${where}: ${error.message}${hint}`);
    }
    throw error;
  }
  return checked(where, type, value);
}

function checked(where: string, type: AnyType, value: unknown): unknown {
  try {
    return type.check(value);
  } catch (error) {
    throw new UsageError(`${where}: ${(error as Error).message.replace(/^value: /, '')}`);
  }
}

/**
 * The YAML parser is loaded on first use, synchronously through require: most runs take no YAML
 * file, and importing the parser at start-up costs every command its load time.
 */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

function readInputsFile(task: Task, file: string, cwd: string): Record<string, unknown> {
  const path = resolve(cwd, file);
  let data: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    data = ['.yaml', '.yml'].includes(extname(path)) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--inputs-file ${file}: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`--inputs-file ${file}: must hold an object of input values`);
  }
  const inputs = task.inputs as Record<string, AnyType>;
  const values: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(data)) {
    // Own keys only: an entry named "constructor" is not the input type Object.prototype holds.
    const type = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
    if (type === undefined)
      throw new UsageError(`--inputs-file ${file}: '${name}' is not an input of task '${task.name}' (inputs: ${describeInputs(inputs)})`);
    let value: unknown;
    try {
      value = fromJson(type.literalType(), raw, '', cwd);
    } catch (error) {
      throw new UsageError(`task '${task.name}', input '${name}': ${(error as Error).message} (expected ${type.display})`);
    }
    setOwn(values, name, checked(`task '${task.name}', input '${name}'`, type, value));
  }
  return values;
}

function describeInputs(inputs: Record<string, AnyType>): string {
  const parts = Object.entries(inputs).map(([name, type]) => `--${flagNames(name).at(-1)} <${type.display}>`);
  return parts.length ? parts.join(' ') : 'none';
}

/** The candidate within edit distance 2, if any: for "did you mean". */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
