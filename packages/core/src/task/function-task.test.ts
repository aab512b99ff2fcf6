import { describe, expect, expectTypeOf, it } from 'vitest';
import { InvalidInputError, InvalidOptionError, InvalidOutputError, TaskExecutionError } from '../index.ts';
import { t } from '../types/t.ts';
import { task } from './function-task.ts';

const add = task({ inputs: { a: t.int(), b: t.int().default(10) }, outputs: t.int() }, function add({ a, b }) {
  return a + b;
});

describe('task(options, fn)', () => {
  it('is called with one keyword object and returns the declared output', async () => {
    expect(await add({ a: 1, b: 2 })).toBe(3);
  });

  it('fills inputs that have defaults', async () => {
    expect(await add({ a: 1 })).toBe(11);
  });

  it('rejects positional calls, naming the task and showing the keyword form', async () => {
    // @ts-expect-error positional arguments are not part of the call signature
    await expect(add(1, 2)).rejects.toThrow(/task '.*\.add': takes one keyword object, e\.g\. add\(\{ a: …, b: … \}\); got 2 arguments/);
  });

  it('rejects a missing input, naming it and its type', async () => {
    // @ts-expect-error `a` is required
    await expect(add({ b: 1 })).rejects.toThrow(/input 'a': is required \(int\)/);
  });

  it('rejects an unknown input, listing the real ones', async () => {
    // @ts-expect-error `c` is not an input
    const call = add({ a: 1, c: 2 });
    await expect(call).rejects.toBeInstanceOf(InvalidInputError);
    await expect(call).rejects.toThrow(/input 'c': is not an input of this task; inputs are: a, b/);
  });

  it('rejects a value of the wrong type, naming the field and the expected type', async () => {
    // @ts-expect-error a string is not an int
    await expect(add({ a: 'one' })).rejects.toThrow(/input 'a': expected int, got string "one"/);
    await expect(add({ a: 1.5 })).rejects.toThrow(/input 'a': expected int/);
  });

  it('round-trips inputs and outputs through Literals, as a remote run would', async () => {
    const echo = task(
      { inputs: { when: t.datetime(), tags: t.map(t.string()) }, outputs: [t.datetime(), t.list(t.string())] },
      function echo({ when, tags }) {
        expect(when).toBeInstanceOf(Date);
        return [when, Object.keys(tags)];
      },
    );
    const when = new Date('2026-01-02T03:04:05.678Z');
    const [out, keys] = await echo({ when, tags: { x: 'a', y: 'b' } });
    expect(out).not.toBe(when); // a fresh value decoded from its Literal
    expect(out.toISOString()).toBe(when.toISOString());
    expect(keys).toEqual(['x', 'y']);
  });

  it('names outputs o0, o1, … for tuples and keeps record names', () => {
    const pair = task({ outputs: [t.int(), t.string()] }, function pair() {
      return [1, 'a'];
    });
    const named = task({ outputs: { n: t.int(), s: t.string() } }, function named() {
      return { n: 1, s: 'a' };
    });
    expect(Object.keys(pair.outputs.types)).toEqual(['o0', 'o1']);
    expect(Object.keys(named.outputs.types)).toEqual(['n', 's']);
    expect(Object.keys(add.outputs.types)).toEqual(['o0']);
  });

  it('reports a returned value of the wrong type as an output error naming the output', async () => {
    const bad = task({ outputs: { n: t.int() } }, function bad() {
      return { n: 'x' } as unknown as { n: number };
    });
    await expect(bad({})).rejects.toBeInstanceOf(InvalidOutputError);
    await expect(bad({})).rejects.toThrow(/output 'n'/);
  });

  it('wraps an exception from the task body with the task named', async () => {
    const boom = task({}, function boom() {
      throw new Error('kaput');
    });
    await expect(boom({})).rejects.toBeInstanceOf(TaskExecutionError);
    await expect(boom({})).rejects.toThrow(/task '.*\.boom' failed: kaput/);
  });

  it('needs a name when the function has none', () => {
    expect(() => task({}, () => undefined)).toThrow(InvalidOptionError);
    expect(task({ name: 'anon' }, () => undefined).name).toMatch(/\.anon$/);
  });

  it('accepts a pending result of another call as an input', async () => {
    const sum = add({ a: 1, b: 2 });
    expect(await add({ a: sum, b: sum })).toBe(6);
  });

  it('infers call and result types from the schema', () => {
    expectTypeOf(add).parameter(0).toHaveProperty('a').toEqualTypeOf<number | PromiseLike<number>>();
    expectTypeOf(add).returns.resolves.toEqualTypeOf<number>();
  });
});
