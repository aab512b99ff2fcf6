import { TflyteError } from '@tflyte/core';
import { SimpleType } from '@tflyte/idl/core/types';
import { describe, expect, it } from 'vitest';
import { type SimpleTypeName, testTaskTemplate } from './task-template.ts';

describe('testTaskTemplate', () => {
  it('declares simple types by name', () => {
    const template = testTaskTemplate({ inputs: { x: 'integer' }, outputs: { o0: 'string' } });
    expect(template.interface?.inputs?.variables.x?.type?.type).toEqual({ case: 'simple', value: SimpleType.INTEGER });
    expect(template.interface?.outputs?.variables.o0?.type?.type).toEqual({ case: 'simple', value: SimpleType.STRING });
  });

  it('refuses a name that is not a simple type, naming the variable and the names it knows', () => {
    const make = () => testTaskTemplate({ inputs: { x: 'INTEGER' as SimpleTypeName } });
    expect(make).toThrow(TflyteError);
    expect(make).toThrow("testTaskTemplate inputs.x: 'INTEGER' is not a simple type; use one of integer, float, string");
  });
});
