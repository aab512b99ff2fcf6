/**
 * Flyte's command and args templates (flyteplugins core/template), shared by every backend that
 * starts a container or sends a query: `{{.input}}`, `{{.inputPrefix}}`, `{{.outputPrefix}}`,
 * `{{.rawOutputDataPrefix}}`, `{{.checkpointOutputPrefix}}`, `{{.prevCheckpointPrefix}}`,
 * `{{.perRetryUniqueKey}}`, `{{.namespace}}` and `{{.inputs.<name>}}`, case-insensitive, written
 * `{{ .x }}` or `{{$x}}`, anywhere in an argument. Unknown placeholders stay as written.
 */
import type { Literal, LiteralMap } from '@tflyte/idl/core/literals';
import { BackendError } from '../errors.ts';
import { formatPrimitiveGo } from './primitive-text.ts';

/** A value left undefined leaves its placeholder as written (a local container has no remote paths to give). */
export interface TemplateValues {
  /** The URI of `inputs.pb`. */
  readonly input?: string;
  readonly inputPrefix?: string;
  readonly outputPrefix?: string;
  readonly rawOutputDataPrefix?: string;
  readonly checkpointOutputPrefix?: string;
  /** Rendered as given; propeller gives the two characters `""` on the first attempt, when there is none. */
  readonly prevCheckpointPrefix?: string;
  /** See `perRetryUniqueKey()`. */
  readonly perRetryUniqueKey?: string;
  readonly namespace?: string;
  /** What `{{.inputs.<name>}}` renders. */
  readonly inputs: LiteralMap;
  /** How a file or directory input is named in the command; default its URI. */
  readonly blobPath?: (name: string, uri: string) => string;
}

type TextValue = Exclude<keyof TemplateValues, 'inputs' | 'blobPath'>;

const TEXT_VALUES: ReadonlyMap<string, TextValue> = new Map(
  (
    [
      'input',
      'inputPrefix',
      'outputPrefix',
      'rawOutputDataPrefix',
      'checkpointOutputPrefix',
      'prevCheckpointPrefix',
      'perRetryUniqueKey',
      'namespace',
    ] as const
  ).map((key) => [key.toLowerCase(), key]),
);

const PLACEHOLDER = /\{\{\s*[.$]([A-Za-z]+)(?:\.([^}\s]+))?\s*\}\}/g;

export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (match, name: string, field: string | undefined) => {
    const key = name.toLowerCase();
    if (field !== undefined) return key === 'inputs' ? renderInput(field, values) : match;
    const valueKey = TEXT_VALUES.get(key);
    return (valueKey === undefined ? undefined : values[valueKey]) ?? match;
  });
}

/** Input names referenced by `{{.inputs.<name>}}` in one command or args entry, in order of appearance. */
export function inputReferences(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].filter((m) => m[1]!.toLowerCase() === 'inputs' && m[2] !== undefined).map((m) => m[2]!);
}

/** Flyte's per-retry key: the generated name, starting with a letter and holding only alphanumerics and `_`. */
export function perRetryUniqueKey(generatedName: string): string {
  return generatedName.replace(/^[^A-Za-z]/, 'a').replace(/[^A-Za-z0-9]/g, '_');
}

function renderInput(name: string, values: TemplateValues): string {
  const literal = values.inputs.literals[name];
  if (literal === undefined) {
    throw renderError(
      `{{.inputs.${name}}} names no input of the task (inputs: ${Object.keys(values.inputs.literals).join(', ') || 'none'})`,
    );
  }
  return literalText(literal, name, values);
}

function literalText(literal: Literal, name: string, values: TemplateValues): string {
  if (literal.value.case === 'collection') return `[${literal.value.value.literals.map((l) => literalText(l, name, values)).join(',')}]`;
  const scalar = literal.value.case === 'scalar' ? literal.value.value.value : undefined;
  if (scalar?.case === 'blob') return values.blobPath?.(name, scalar.value.uri) ?? scalar.value.uri;
  if (scalar?.case === 'schema') return scalar.value.uri;
  const text = scalar?.case === 'primitive' ? formatPrimitiveGo(scalar.value.value) : undefined;
  if (text !== undefined) return text;
  throw renderError(
    `{{.inputs.${name}}} is a ${literal.value.case ?? 'empty'} literal, which a command line cannot hold; pass it as a file instead`,
  );
}

function renderError(message: string): BackendError {
  return new BackendError({ kind: 'user', retryable: false, code: 'TemplateRenderError', message });
}
