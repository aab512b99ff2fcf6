import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';

const declared = new WeakMap<TaskTemplate, readonly string[]>();

/** Declared output names of a task, in declaration order (read once per template: every element of a map asks). */
export function declaredOutputs(template: TaskTemplate): readonly string[] {
  let names = declared.get(template);
  if (names === undefined) declared.set(template, (names = Object.keys(template.interface?.outputs?.variables ?? {})));
  return names;
}

/** A sentence describing how `outputs` disagrees with the declared outputs, or undefined when they match. */
export function outputMismatch(template: TaskTemplate, outputs: LiteralMap): string | undefined {
  const declared = declaredOutputs(template);
  // The common case, checked without building lists: exactly the declared names.
  if (declared.every((name) => name in outputs.literals) && Object.keys(outputs.literals).length === declared.length) return undefined;
  const actual = Object.keys(outputs.literals);
  const missing = declared.filter((name) => !actual.includes(name));
  const extra = actual.filter((name) => !declared.includes(name));
  if (missing.length === 0 && extra.length === 0) return undefined;
  const parts = [
    missing.length > 0 ? `missing ${missing.map((n) => `'${n}'`).join(', ')}` : undefined,
    extra.length > 0 ? `undeclared ${extra.map((n) => `'${n}'`).join(', ')}` : undefined,
  ].filter((p) => p !== undefined);
  return `outputs do not match the task interface (declared: ${declared.map((n) => `'${n}'`).join(', ') || 'none'}): ${parts.join('; ')}`;
}
