/**
 * Flyte's command/args templates (flyteplugins core/template): `{{.input}}`, `{{.outputPrefix}}`,
 * `{{.rawOutputDataPrefix}}`, the checkpoint prefixes, `{{.perRetryUniqueKey}}`, `{{.namespace}}` and
 * `{{.inputs.<name>}}`, case-insensitive, written `{{ .x }}` or `{{$x}}`. Unknown placeholders stay.
 */
import { BackendError } from '@tflyte/core';
import type { Literal, LiteralMap } from '@tflyte/idl/core/literals';
import { durationToNanos, formatDurationGo, formatFloatGo, formatTimestampGo } from './go-format.ts';

export interface TemplateValues {
  readonly input: string;
  readonly inputPrefix: string;
  readonly outputPrefix: string;
  readonly rawOutputDataPrefix: string;
  readonly checkpointOutputPrefix: string;
  /** `""` on the first attempt, as propeller renders it when there is no previous checkpoint. */
  readonly prevCheckpointPrefix: string;
  readonly perRetryUniqueKey: string;
  readonly namespace: string;
  readonly inputs: LiteralMap;
  /** How a file or directory input is named in the command; default its URI. */
  readonly blobPath?: (name: string, uri: string) => string;
}

const PLACEHOLDER = /\{\{\s*[.$]([A-Za-z]+)(?:\.([^}\s]+))?\s*\}\}/g;

export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (match, name: string, field: string | undefined) => {
    const key = name.toLowerCase();
    if (field !== undefined) return key === 'inputs' ? renderInput(field, values) : match;
    switch (key) {
      case 'input':
        return values.input;
      case 'inputprefix':
        return values.inputPrefix;
      case 'outputprefix':
        return values.outputPrefix;
      case 'rawoutputdataprefix':
        return values.rawOutputDataPrefix;
      case 'checkpointoutputprefix':
        return values.checkpointOutputPrefix;
      case 'prevcheckpointprefix':
        return values.prevCheckpointPrefix;
      case 'perretryuniquekey':
        return values.perRetryUniqueKey;
      case 'namespace':
        return values.namespace;
      default:
        return match;
    }
  });
}

/** Flyte's per-retry key: the generated name, starting with a letter and holding only alphanumerics and `_`. */
export function perRetryUniqueKey(generatedName: string): string {
  return generatedName.replace(/^[^A-Za-z]/, 'a').replace(/[^A-Za-z0-9]/g, '_');
}

function renderInput(name: string, values: TemplateValues): string {
  const literal = values.inputs.literals[name];
  if (literal === undefined) {
    throw renderError(`{{.inputs.${name}}} names no input of the task (inputs: ${Object.keys(values.inputs.literals).join(', ') || 'none'})`);
  }
  return literalText(literal, name, values);
}

function literalText(literal: Literal, name: string, values: TemplateValues): string {
  if (literal.value.case === 'collection') return `[${literal.value.value.literals.map((l) => literalText(l, name, values)).join(',')}]`;
  const scalar = literal.value.case === 'scalar' ? literal.value.value.value : undefined;
  if (scalar?.case === 'blob') return values.blobPath?.(name, scalar.value.uri) ?? scalar.value.uri;
  if (scalar?.case === 'schema') return scalar.value.uri;
  if (scalar?.case === 'primitive') {
    const p = scalar.value.value;
    switch (p.case) {
      case 'integer':
        return p.value.toString();
      case 'floatValue':
        return formatFloatGo(p.value);
      case 'stringValue':
        return p.value;
      case 'boolean':
        return String(p.value);
      case 'datetime':
        return formatTimestampGo(p.value.seconds, p.value.nanos);
      case 'duration':
        return formatDurationGo(durationToNanos(p.value.seconds, p.value.nanos));
      default:
        break;
    }
  }
  throw renderError(`{{.inputs.${name}}} is a ${literal.value.case ?? 'empty'} literal, which a command line cannot hold; pass it as a file instead`);
}

function renderError(message: string): BackendError {
  return new BackendError({ kind: 'user', retryable: false, reason: 'TemplateRenderError', message });
}
