import { create } from '@bufbuild/protobuf';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { describe, expect, it } from 'vitest';
import { toLiteralMap } from '../types/literal-map.ts';
import { t } from '../types/t.ts';
import { inputReferences, perRetryUniqueKey, renderTemplate, type TemplateValues } from './render-template.ts';

const noInputs = create(LiteralMapSchema, {});
const values = (inputs = noInputs): TemplateValues => ({
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
    const text =
      '--in={{.input}} {{ .InputPrefix }} {{$outputPrefix}} {{.rawOutputDataPrefix}} {{.checkpointOutputPrefix}} [{{.prevCheckpointPrefix}}] {{.perRetryUniqueKey}} {{.namespace}}';
    expect(renderTemplate(text, values())).toBe(
      '--in=s3://b/r/n0/1/inputs.pb s3://b/r/n0/1 s3://b/r/n0/1 s3://raw/r/n0/1 s3://raw/r/n0/1/_flytecheckpoints [] aabc_n0_1 flyte',
    );
    expect(renderTemplate('{{.somethingElse}} {{.input.x}} {{input}}', values())).toBe('{{.somethingElse}} {{.input.x}} {{input}}');
  });

  it('leaves the placeholders it is given no value for as written', () => {
    const inputs = toLiteralMap({ a: t.int() }, { a: 3 });
    expect(renderTemplate('area {{.inputs.a}} {{.outputPrefix}} {{ .Namespace }}', { inputs })).toBe(
      'area 3 {{.outputPrefix}} {{ .Namespace }}',
    );
  });

  it('renders inputs as Go prints them: %v numbers, raw strings, RFC 3339 times, Go durations, collections as [a,b]', () => {
    const inputs = toLiteralMap(
      { n: t.int(), f: t.float(), s: t.string(), ok: t.bool(), d: t.datetime(), u: t.duration(), list: t.list(t.float()) },
      {
        n: 7,
        f: 2e-5,
        s: 'a b',
        ok: true,
        d: new Date('2024-05-01T12:00:00.250Z'),
        u: { seconds: 5400, nanos: 500_000_000 },
        list: [7, 2e-5],
      },
    );
    expect(
      renderTemplate(
        '{{.inputs.n}} {{.inputs.f}} {{.inputs.s}} {{.inputs.ok}} {{.inputs.d}} {{.inputs.u}} {{.inputs.list}}',
        values(inputs),
      ),
    ).toBe('7 2e-05 a b true 2024-05-01T12:00:00.25Z 1h30m0.5s [7,2e-05]');
    expect(renderTemplate('echo $(( {{ .Inputs.n }} + {{$INPUTS.n}} ))', values(inputs))).toBe('echo $(( 7 + 7 ))');
  });

  it('renders a file input as its URI, or as the path blobPath gives it', () => {
    const inputs = toLiteralMap({ doc: t.file() }, { doc: { uri: 's3://bucket/doc.txt' } });
    expect(renderTemplate('cat {{.inputs.doc}}', values(inputs))).toBe('cat s3://bucket/doc.txt');
    expect(renderTemplate('cat {{.inputs.doc}}', { ...values(inputs), blobPath: (name) => `/var/inputs/${name}` })).toBe(
      'cat /var/inputs/doc',
    );
  });

  it('fails with a TemplateRenderError naming an input that does not exist', () => {
    expect(() => renderTemplate('{{.inputs.missing}}', values(toLiteralMap({ x: t.int() }, { x: 1 })))).toThrow(
      expect.objectContaining({
        failure: expect.objectContaining({ code: 'TemplateRenderError', kind: 'user', retryable: false }),
        message: expect.stringMatching(/\{\{\.inputs\.missing\}\} names no input of the task \(inputs: x\)/),
      }),
    );
  });

  it('fails with a TemplateRenderError for an input a command line cannot hold', () => {
    const inputs = toLiteralMap({ m: t.map(t.int()) }, { m: { a: 1 } });
    expect(() => renderTemplate('{{.inputs.m}}', values(inputs))).toThrow(
      expect.objectContaining({
        failure: expect.objectContaining({ code: 'TemplateRenderError' }),
        message: expect.stringMatching(/\{\{\.inputs\.m\}\} is a map literal, which a command line cannot hold/),
      }),
    );
  });
});

describe('inputReferences', () => {
  it('finds {{.inputs.x}} anywhere in an argument, case-insensitively, with spaces or $ allowed', () => {
    expect(inputReferences('{{.inputs.a}}')).toEqual(['a']);
    expect(inputReferences('echo $(( {{ .Inputs.x }} + {{$inputs.y}} ))')).toEqual(['x', 'y']);
    expect(inputReferences('{{.input}} {{.outputPrefix}} {{inputs.a}} plain')).toEqual([]);
  });
});
