/**
 * A raw container's command and args with `{{.inputs.x}}` replaced by the input's text, by
 * propeller's rules (@tflyte/core's renderTemplate). Other placeholders (`{{.outputPrefix}}`, …)
 * are left as written: they name remote paths that mean nothing inside a local container.
 */
import { type AttemptContext, renderTemplate, type TemplateValues } from '@tflyte/core';
import type { RawContainerSpec } from './raw-container-spec.ts';

export function renderCommand(spec: RawContainerSpec, ctx: Pick<AttemptContext, 'inputs'>): { command: string[]; args: string[] } {
  const data = spec.data;
  const values: TemplateValues = {
    inputs: ctx.inputs,
    // Propeller would write the remote URI; inside a local container the copy under inputDataDir is what exists.
    ...(data === undefined ? {} : { blobPath: (name: string) => `${data.inputPath}/${name}` }),
  };
  const render = (text: string): string => renderTemplate(text, values);
  return { command: spec.command.map(render), args: spec.args.map(render) };
}
