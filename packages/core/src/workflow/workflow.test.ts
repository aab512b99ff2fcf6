import { describe, expect, expectTypeOf, it } from 'vitest';
import { InvalidInputError, InvalidOutputError } from '../errors.ts';
import { task } from '../task/function-task.ts';
import { t } from '../types/t.ts';
import { workflow } from './workflow.ts';

/** A task that records when it starts and waits until released, to observe overlap. */
function gate() {
  const started: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const slow = task({ inputs: { label: t.string() }, outputs: t.string() }, async function slow({ label }) {
    started.push(label);
    await released;
    return label.toUpperCase();
  });
  return { started, release, slow };
}

describe('workflow(options, body)', () => {
  it('runs independent task calls in parallel and dependent ones after their inputs', async () => {
    const { started, release, slow } = gate();
    const join = task({ inputs: { a: t.string(), b: t.string() }, outputs: t.string() }, function join({ a, b }) {
      return `${a}+${b}`;
    });
    const wf = workflow({ inputs: {}, outputs: t.string() }, function wf() {
      return join({ a: slow({ label: 'a' }), b: slow({ label: 'b' }) });
    });
    const result = wf({});
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toEqual(['a', 'b']); // both started before either finished
    release();
    expect(await result).toBe('A+B');
  });

  it('returns named outputs, resolving pending values', async () => {
    const double = task({ inputs: { x: t.int() }, outputs: t.int() }, function double({ x }) {
      return 2 * x;
    });
    const wf = workflow({ inputs: { x: t.int() }, outputs: { doubled: t.int(), same: t.int() } }, function wf({ x }) {
      return { doubled: double({ x }), same: x };
    });
    const out = await wf({ x: 21 });
    expect(out).toEqual({ doubled: 42, same: 21 });
    expectTypeOf(out).toEqualTypeOf<{ doubled: number; same: number }>();
  });

  it('checks its own inputs like a task', async () => {
    const wf = workflow({ inputs: { x: t.int() }, outputs: t.int() }, function wf({ x }) {
      return x;
    });
    // @ts-expect-error x must be an int
    await expect(wf({ x: 'no' })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('checks the values it returns against its outputs', async () => {
    const wf = workflow({ outputs: t.int() }, function wf() {
      return 'x' as unknown as number;
    });
    await expect(wf({})).rejects.toBeInstanceOf(InvalidOutputError);
  });

  it('propagates a failing task, which stops the workflow', async () => {
    const boom = task({ outputs: t.int() }, function boom(): number {
      throw new Error('nope');
    });
    const wf = workflow({ outputs: t.int() }, async function wf() {
      return (await boom({})) + 1;
    });
    await expect(wf({})).rejects.toThrow(/boom' failed: nope/);
  });
});
