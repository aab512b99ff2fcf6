/**
 * A raw container's command and args with `{{.inputs.x}}` replaced by the input's text, by
 * propeller's rules (flyteplugins core/template): integers and booleans as Go prints them, floats
 * as Go's `%v`, datetimes in RFC 3339, strings as they are.
 */
import { type AttemptContext, BackendError } from '@tflyte/core';
import { templateText } from './input-text.ts';
import type { RawContainerSpec } from './raw-container-spec.ts';
import { renderInputs } from './templates.ts';

export function renderCommand(spec: RawContainerSpec, ctx: Pick<AttemptContext, 'inputs'>): { command: string[]; args: string[] } {
  const valueOf = (name: string): string => {
    const literal = ctx.inputs.literals[name];
    const scalar = literal?.value.case === 'scalar' ? literal.value.value.value : undefined;
    if (scalar?.case === 'primitive') return templateText(scalar.value.value);
    // Propeller would write the remote URI; inside a local container the copy under inputDataDir is what exists.
    if (scalar?.case === 'blob' && spec.data !== undefined) return `${spec.data.inputPath}/${name}`;
    throw new BackendError({
      kind: 'user',
      retryable: false,
      reason: 'TemplateRenderError',
      message: `{{.inputs.${name}}} in the command ${literal === undefined ? 'names no input of the task' : 'names an input that is not a primitive, file or directory'}`,
    });
  };
  return { command: spec.command.map((c) => renderInputs(c, valueOf)), args: spec.args.map((a) => renderInputs(a, valueOf)) };
}
