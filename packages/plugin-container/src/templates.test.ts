import { describe, expect, it } from 'vitest';
import { inputReferences, renderInputs } from './templates.ts';

describe('{{.inputs.x}} placeholders, with propeller syntax', () => {
  it('are found anywhere in an argument, case-insensitively, with spaces or $ allowed', () => {
    expect(inputReferences('{{.inputs.a}}')).toEqual(['a']);
    expect(inputReferences('echo $(( {{ .Inputs.x }} + {{$inputs.y}} ))')).toEqual(['x', 'y']);
    expect(inputReferences('{{.input}} {{.outputPrefix}} {{inputs.a}} plain')).toEqual([]);
  });

  it('are replaced by the value of the named input; other placeholders stay as written', () => {
    const values: Record<string, string> = { a: '3', b: 'hello world' };
    expect(renderInputs('area {{.inputs.a}}*{{ .INPUTS.b }} {{.outputPrefix}}', (name) => values[name]!)).toBe('area 3*hello world {{.outputPrefix}}');
  });
});
