import type { LiteralMap } from '@tflyte/idl/core/literals';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { InvalidInputError, InvalidOptionError } from '../errors.ts';
import type { TaskDefinition } from '../task/define-task.ts';
import { task } from '../task/function-task.ts';
import { currentRunner, type MapRunOptions, type TaskRunner, withRunner } from '../task/run-context.ts';
import { toLiteralMap } from '../types/literal-map.ts';
import { t } from '../types/t.ts';
import { MapTaskFailedError, mapTask } from './map-task.ts';

const square = task({ inputs: { x: t.int() }, outputs: t.int() }, function square({ x }) {
  return x * x;
});

describe('mapTask(task, options)', () => {
  it('runs the task once per element and returns the outputs in order', async () => {
    const squares = mapTask(square);
    const out = await squares({ x: [1, 2, 3, 4] });
    expect(out).toEqual([1, 4, 9, 16]);
    expectTypeOf(out).toEqualTypeOf<number[]>();
  });

  it('keeps bound inputs fixed for every element', async () => {
    const scale = task({ inputs: { x: t.int(), factor: t.int() }, outputs: t.int() }, function scale({ x, factor }) {
      return x * factor;
    });
    const byTen = mapTask(scale, { bound: { factor: 10 } });
    expect(await byTen({ x: [1, 2, 3] })).toEqual([10, 20, 30]);
    expect(Object.keys(byTen.inputs)).toEqual(['x']);
  });

  it('never has more calls in flight than its concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = task({ inputs: { x: t.int() }, outputs: t.int() }, async function slow({ x }) {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      return x;
    });
    expect(await mapTask(slow, { concurrency: 3 })({ x: Array.from({ length: 20 }, (_, i) => i) })).toHaveLength(20);
    expect(peak).toBe(3);
  });

  it('turns failures into nulls while enough elements succeed', async () => {
    const picky = task({ inputs: { x: t.int() }, outputs: t.int() }, function picky({ x }) {
      if (x % 4 === 0) throw new Error(`no ${x}`);
      return x;
    });
    const out = await mapTask(picky, { minSuccessRatio: 0.7 })({ x: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(out).toEqual([1, 2, 3, null, 5, 6, 7, null]);
    expectTypeOf(out).toEqualTypeOf<(number | null)[]>();
  });

  it('fails naming the failed indices once too few can succeed', async () => {
    const picky = task({ inputs: { x: t.int() }, outputs: t.int() }, function picky({ x }) {
      if (x % 2 === 0) throw new Error(`no ${x}`);
      return x;
    });
    const error = await mapTask(picky, { minSuccessRatio: 0.9, concurrency: 1 })({ x: [1, 2, 3, 4] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MapTaskFailedError);
    expect((error as MapTaskFailedError).failedIndices).toEqual([1]);
    expect((error as Error).message).toMatch(/1 of 4 elements failed \(indices 1\); 4 had to succeed\. First error: .*no 2/);
  });

  it('rejects lists of different lengths', async () => {
    const add = task({ inputs: { a: t.int(), b: t.int() }, outputs: t.int() }, function add({ a, b }) {
      return a + b;
    });
    await expect(mapTask(add)({ a: [1, 2], b: [1] })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('validates its options when defined', () => {
    expect(() => mapTask(square, { concurrency: 0 })).toThrow(InvalidOptionError);
    expect(() => mapTask(square, { minSuccessRatio: 1.5 })).toThrow(/minSuccessRatio/);
    // @ts-expect-error y is not an input of square
    expect(() => mapTask(square, { bound: { y: 1 } })).toThrow(/bound\.y/);
    const pair = task({ outputs: [t.int(), t.int()] }, function pair() {
      return [1, 2];
    });
    // @ts-expect-error map tasks need exactly one output
    expect(() => mapTask(pair)).toThrow(/exactly one output/);
  });

  it('handles an empty list', async () => {
    expect(await mapTask(square)({ x: [] })).toEqual([]);
  });

  it("hands the elements to the runner's runMap as one array, with the concurrency and the successes required", async () => {
    const inProcess = currentRunner();
    const maps: { task: string; elements: number; options: MapRunOptions }[] = [];
    const runner: TaskRunner = {
      runTask: (definition, inputs) => inProcess.runTask(definition, inputs),
      runMap: (definition, elements, options) => {
        maps.push({ task: definition.name, elements: elements.length, options });
        return inProcess.runMap!(definition, elements, options);
      },
    };
    expect(await withRunner(runner, () => mapTask(square, { concurrency: 3, minSuccessRatio: 0.5 })({ x: [1, 2, 3, 4, 5] }))).toEqual([
      1, 4, 9, 16, 25,
    ]);
    expect(maps).toMatchObject([{ task: square.name, elements: 5, options: { concurrency: 3, minSuccesses: 3 } }]);
  });

  it('calls runTask once per element for a runner without runMap', async () => {
    const calls: string[] = [];
    const runner: TaskRunner = {
      runTask: (definition: TaskDefinition, inputs: LiteralMap) => {
        calls.push(definition.name);
        return definition.kind.execute!(inputs);
      },
    };
    expect(await withRunner(runner, () => mapTask(square)({ x: [2, 3] }))).toEqual([4, 9]);
    expect(calls).toEqual([square.name, square.name]);
  });

  it("gathers the elements' output literals as Flyte's ArrayNode does, with a none literal for a failed element", async () => {
    const picky = task({ inputs: { x: t.int() }, outputs: t.int() }, function picky({ x }) {
      if (x === 2) throw new Error('no 2');
      return x;
    });
    const map = mapTask(picky, { minSuccessRatio: 0.5 });
    const out = await map.kind.execute!(toLiteralMap(map.inputs, { x: [1, 2] }));
    const items = out.literals.o0?.value.case === 'collection' ? out.literals.o0.value.value.literals : [];
    expect(items.map((item) => (item.value.case === 'scalar' ? item.value.value.value.case : undefined))).toEqual([
      'primitive',
      'noneType',
    ]);
    expect(map.outputs.types.o0!.fromLiteral(out.literals.o0!)).toEqual([1, null]);
  });
});
