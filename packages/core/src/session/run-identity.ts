/**
 * What makes two `tflyte run` invocations the same run: the task (its Flyte name), its version (as
 * `tflyte serialize` would register it) and its inputs. Only a run with the same identity may be
 * resumed; anything else would hand back another computation's jobs or outputs.
 */
import { createHash } from 'node:crypto';
import { fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { StateConflictError } from '../errors.ts';
import { defaultVersion } from '../serialize/version.ts';
import type { TaskDefinition } from '../task/define-task.ts';

export interface RunIdentity {
  readonly entity: string;
  readonly version: string;
  /** sha256 of `inputs`. */
  readonly inputsHash: string;
  /** The input LiteralMap as canonical JSON (object keys sorted), so equal inputs give equal text. */
  readonly inputs: string;
}

export function runIdentity(task: Pick<TaskDefinition, 'name' | 'site' | 'options'>, inputs: LiteralMap): RunIdentity {
  const text = JSON.stringify(canonical(toJson(LiteralMapSchema, inputs)));
  return { entity: task.name, version: defaultVersion(task), inputsHash: createHash('sha256').update(text).digest('hex'), inputs: text };
}

/** The inputs a run was recorded with. */
export function recordedInputs(identity: Pick<RunIdentity, 'inputs'>): LiteralMap {
  return fromJson(LiteralMapSchema, JSON.parse(identity.inputs) as JsonValue);
}

/** Refuses to resume `runId` (recorded as `recorded`) for another task, version or inputs, saying which differs. */
export function checkSameRun(runId: string, recorded: RunIdentity, wanted: RunIdentity): void {
  const differences: string[] = [];
  if (recorded.entity !== wanted.entity) differences.push(`it ran task '${recorded.entity}', not '${wanted.entity}'`);
  else if (recorded.version !== wanted.version)
    differences.push(`it ran version '${recorded.version}' of '${wanted.entity}', this is version '${wanted.version}'`);
  if (recorded.inputsHash !== wanted.inputsHash) differences.push(`its inputs differ: ${inputDifferences(recorded.inputs, wanted.inputs)}`);
  if (differences.length > 0) {
    throw new StateConflictError(
      `run '${runId}' cannot be resumed with this command: ${differences.join('; ')}. ` +
        'Run without --run-id to start a new run, or resume it with the task, version and inputs it was started with',
    );
  }
}

function inputDifferences(recorded: string, wanted: string): string {
  const literals = (text: string): Record<string, unknown> => (JSON.parse(text) as { literals?: Record<string, unknown> }).literals ?? {};
  const before = literals(recorded);
  const after = literals(wanted);
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = names.filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]));
  return changed
    .map((name) =>
      !(name in after) ? `'${name}' (recorded, not given)` : !(name in before) ? `'${name}' (given, not recorded)` : `'${name}'`,
    )
    .join(', ');
}

/** JSON with every object's keys sorted, so key order cannot change the text. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort())
    Object.defineProperty(sorted, key, {
      value: canonical((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return sorted;
}
