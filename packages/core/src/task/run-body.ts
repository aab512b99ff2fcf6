/**
 * Runs a task or workflow body on Literal inputs and turns what it returns into Literal outputs,
 * checked against the declared outputs. Values the body returns may still be pending (a workflow
 * returns the promises of the calls it made); they are awaited first. Errors name the output.
 */
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { InvalidOutputError, TflyteError, TypeMismatchError } from '../errors.ts';
import type { TypeRecord } from '../types/flyte-type.ts';
import { fromLiteralMap, toLiteralMap } from '../types/literal-map.ts';
import { TaskExecutionError } from './define-task.ts';
import { type NormalizedOutputs, packOutputs } from './outputs.ts';

export async function runBody(
  name: string,
  inputs: TypeRecord,
  outputs: NormalizedOutputs,
  body: (inputs: unknown) => unknown,
  literals: LiteralMap,
): Promise<LiteralMap> {
  let result: unknown;
  try {
    result = await body(fromLiteralMap(inputs, literals));
  } catch (error) {
    if (error instanceof TflyteError) throw error;
    throw new TaskExecutionError(name, error);
  }
  const packed = packOutputs(outputs, outputs.shape === 'tuple' && Array.isArray(result) ? await Promise.all(result) : result);
  if (typeof packed === 'string') throw new InvalidOutputError(name, undefined, packed);
  const values: Record<string, unknown> = {};
  for (const [key, type] of Object.entries(outputs.types)) {
    const value = await packed[key];
    if (value === undefined) throw new InvalidOutputError(name, key, `is missing from the returned value (${type.display})`);
    try {
      values[key] = type.check(value, key);
    } catch (error) {
      if (error instanceof TypeMismatchError) throw new InvalidOutputError(name, key, error.message, { cause: error });
      throw error;
    }
  }
  return toLiteralMap(outputs.types, values);
}
