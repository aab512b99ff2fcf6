/**
 * How a Spark application hands back typed outputs. Every file, directory or dataset output gets a
 * location under the attempt's raw output prefix, which the application receives as an argument
 * (`{{ .outputs.report }}` is written into the template as `{{ .rawOutputDataPrefix }}/report`, a
 * variable every Flyte backend renders); the location becomes the output when the application
 * completes. Scalar outputs come from a JSON document the application writes where
 * `{{ .outputDocument }}` (or the driver's `TFLYTE_OUTPUT_DOCUMENT`) points, checked against the
 * declared types.
 */
import {
  type AnyType,
  type AttemptContext,
  type FailureInfo,
  type Storage,
  type TypeRecord,
  toLiteralMap,
  typeFromLiteralType,
} from '@tflyte/core';
import type { LiteralMap } from '@tflyte/idl/core/literals';

export const OUTPUT_DOCUMENT_ENV = 'TFLYTE_OUTPUT_DOCUMENT';
export const OUTPUT_DOCUMENT_NAME = 'tflyte-outputs.json';

const LOCATION_KINDS = new Set(['file', 'directory', 'dataset']);
const OUTPUT_REFERENCE = /\{\{\s*[.$]outputs\.([^}\s]+)\s*\}\}/gi;
const OUTPUT_DOCUMENT_REFERENCE = /\{\{\s*[.$]outputDocument\s*\}\}/gi;

/** Outputs the application writes at a location of its own (files, directories, datasets). */
export function isLocationOutput(type: AnyType): boolean {
  return LOCATION_KINDS.has(type.kind);
}

/** An output's location, exactly as the rewritten argument renders it. */
export function outputLocation(ctx: Pick<AttemptContext, 'rawOutputPrefix'>, name: string): string {
  return `${ctx.rawOutputPrefix}/${name}`;
}

export function outputDocumentUri(ctx: Pick<AttemptContext, 'rawOutputPrefix'>): string {
  return outputLocation(ctx, OUTPUT_DOCUMENT_NAME);
}

/**
 * Rewrites `{{ .outputs.<name> }}` and `{{ .outputDocument }}` into Flyte template variables.
 * `problem(message)` is called for a reference to an output that is not declared or has no location.
 */
export function rewriteOutputReferences(argument: string, outputs: TypeRecord, problem: (message: string) => never): string {
  return argument
    .replace(OUTPUT_REFERENCE, (_match, name: string) => {
      const type = outputs[name] as AnyType | undefined;
      if (type === undefined)
        return problem(
          `references {{ .outputs.${name} }}, but the task declares no output '${name}' (outputs: ${Object.keys(outputs).join(', ') || 'none'})`,
        );
      if (!isLocationOutput(type)) {
        return problem(
          `references {{ .outputs.${name} }}, a ${type.display} output: only file, directory and dataset outputs have a location; the application writes scalar outputs into {{ .outputDocument }}`,
        );
      }
      return `{{ .rawOutputDataPrefix }}/${name}`;
    })
    .replace(OUTPUT_DOCUMENT_REFERENCE, `{{ .rawOutputDataPrefix }}/${OUTPUT_DOCUMENT_NAME}`);
}

type Collected = { readonly ok: true; readonly outputs: LiteralMap } | { readonly ok: false; readonly failure: FailureInfo };

const userFailure = (code: string, message: string): Collected => ({
  ok: false,
  failure: { kind: 'user', retryable: false, code, message },
});

/** The outputs of a completed application, from its locations and its output document. */
export async function collectOutputs(ctx: AttemptContext, storage: Storage): Promise<Collected> {
  const variables = ctx.template.interface?.outputs?.variables ?? {};
  const types: Record<string, AnyType> = {};
  for (const [name, variable] of Object.entries(variables))
    if (variable.type !== undefined) types[name] = typeFromLiteralType(variable.type);
  const values: Record<string, unknown> = {};
  const scalars: string[] = [];
  for (const [name, type] of Object.entries(types)) {
    if (!isLocationOutput(type)) {
      scalars.push(name);
      continue;
    }
    const uri = outputLocation(ctx, name);
    if (type.kind === 'file' && (await storage.get(uri)) === undefined) {
      return userFailure(
        'SPARK_OUTPUT_MISSING',
        `output '${name}': the application completed without writing the file at ${uri} (it gets that path where its arguments say {{ .outputs.${name} }})`,
      );
    }
    values[name] = { uri };
  }
  if (scalars.length > 0) {
    const uri = outputDocumentUri(ctx);
    const bytes = await storage.get(uri);
    if (bytes === undefined) {
      return userFailure(
        'SPARK_OUTPUT_MISSING',
        `outputs ${scalars.map((s) => `'${s}'`).join(', ')}: the application completed without writing its output document at ${uri} (given as {{ .outputDocument }} and in $${OUTPUT_DOCUMENT_ENV}); write a JSON object such as {"${scalars[0]}": …}`,
      );
    }
    let document: unknown;
    try {
      document = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      return userFailure('SPARK_OUTPUT_INVALID', `the output document at ${uri} is not JSON: ${(error as Error).message}`);
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      return userFailure(
        'SPARK_OUTPUT_INVALID',
        `the output document at ${uri} must be a JSON object keyed by output name, got ${Array.isArray(document) ? 'a list' : document === null ? 'null' : typeof document}`,
      );
    }
    for (const name of scalars) {
      const value = (document as Record<string, unknown>)[name];
      if (value === undefined) return userFailure('SPARK_OUTPUT_MISSING', `output '${name}' is missing from the output document at ${uri}`);
      try {
        values[name] = types[name]!.check(fromJson(value, types[name]!), name);
      } catch (error) {
        return userFailure('SPARK_OUTPUT_INVALID', `output '${name}' in ${uri}: ${(error as Error).message}`);
      }
    }
  }
  try {
    return { ok: true, outputs: toLiteralMap(types, values) };
  } catch (error) {
    return userFailure('SPARK_OUTPUT_INVALID', (error as Error).message);
  }
}

/** JSON has no dates: a datetime output is written as an ISO-8601 string. */
function fromJson(value: unknown, type: AnyType): unknown {
  if (type.kind === 'datetime' && typeof value === 'string') return new Date(value);
  return value;
}
