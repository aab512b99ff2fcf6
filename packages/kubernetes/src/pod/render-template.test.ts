import { create } from '@bufbuild/protobuf';
import { LiteralCollectionSchema, LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import { testLiteralMap } from '@tflyte/testing';
import { describe, expect, it } from 'vitest';
import { perRetryUniqueKey, renderTemplate, type TemplateValues } from './render-template.ts';

const values = (inputs = testLiteralMap({})): TemplateValues => ({
  input: 's3://b/r/n0/1/inputs.pb',
  inputPrefix: 's3://b/r/n0/1',
  outputPrefix: 's3://b/r/n0/1',
  rawOutputDataPrefix: 's3://raw/r/n0/1',
  checkpointOutputPrefix: 's3://raw/r/n0/1/_flytecheckpoints',
  prevCheckpointPrefix: '',
  perRetryUniqueKey: perRetryUniqueKey('7abc-n0-1'),
  namespace: 'flyte',
  inputs,
});

describe('renderTemplate (propeller core/template)', () => {
  it('fills every placeholder, in either spelling and any case, anywhere in an argument', () => {
    const text = '--in={{.input}} {{ .InputPrefix }} {{$outputPrefix}} {{.rawOutputDataPrefix}} {{.checkpointOutputPrefix}} [{{.prevCheckpointPrefix}}] {{.perRetryUniqueKey}} {{.namespace}}';
    expect(renderTemplate(text, values())).toBe(
      '--in=s3://b/r/n0/1/inputs.pb s3://b/r/n0/1 s3://b/r/n0/1 s3://raw/r/n0/1 s3://raw/r/n0/1/_flytecheckpoints [] aabc_n0_1 flyte',
    );
    expect(renderTemplate('{{.somethingElse}}', values())).toBe('{{.somethingElse}}');
  });

  it('renders inputs as Go prints them: %v numbers, raw strings, collections as [a,b]', () => {
    const inputs = testLiteralMap({ n: 7n, f: 2e-5, s: 'a b', ok: true });
    const list = create(LiteralSchema, { value: { case: 'collection', value: create(LiteralCollectionSchema, { literals: [inputs.literals.n!, inputs.literals.f!] }) } });
    const all = create(LiteralMapSchema, { literals: { ...inputs.literals, list } });
    expect(renderTemplate('{{.inputs.n}} {{.inputs.f}} {{.inputs.s}} {{.inputs.ok}} {{.inputs.list}}', values(all))).toBe('7 2e-05 a b true [7,2e-05]');
  });

  it('fails with a TemplateRenderError naming an input that does not exist', () => {
    expect(() => renderTemplate('{{.inputs.missing}}', values(testLiteralMap({ x: 1n })))).toThrow(
      expect.objectContaining({ reason: 'TemplateRenderError', retryable: false, message: expect.stringMatching(/\{\{\.inputs\.missing\}\} names no input of the task \(inputs: x\)/) }),
    );
  });
});
