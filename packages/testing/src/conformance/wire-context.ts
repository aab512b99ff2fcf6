/** An AttemptContext as JSON, so a fresh process can be handed the attempt a persisted handle belongs to. */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { AttemptContext } from '@tflyte/core';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { testAttemptContext } from '../kit/attempt-context.ts';

export interface WireContext {
  readonly template: string;
  readonly inputs: string;
  readonly generatedName: string;
  readonly idempotencyToken: string;
  readonly attempt: number;
  readonly inputsUri: string;
  readonly outputPrefix: string;
  readonly rawOutputPrefix: string;
  readonly interruptible: boolean;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

export function toWireContext(ctx: AttemptContext): WireContext {
  return {
    template: base64(toBinary(TaskTemplateSchema, ctx.template)),
    inputs: base64(toBinary(LiteralMapSchema, ctx.inputs)),
    generatedName: ctx.generatedName,
    idempotencyToken: ctx.idempotencyToken,
    attempt: ctx.attempt,
    inputsUri: ctx.inputsUri,
    outputPrefix: ctx.outputPrefix,
    rawOutputPrefix: ctx.rawOutputPrefix,
    interruptible: ctx.interruptible,
  };
}

/** The attempt again, with a fresh signal and clock of this process. */
export function fromWireContext(wire: WireContext): AttemptContext {
  return testAttemptContext({
    ...wire,
    template: fromBinary(TaskTemplateSchema, Buffer.from(wire.template, 'base64')),
    inputs: fromBinary(LiteralMapSchema, Buffer.from(wire.inputs, 'base64')),
  });
}
