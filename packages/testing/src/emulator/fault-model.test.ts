import { describe, expect, it } from 'vitest';
import type { FaultKind } from './fault-model.ts';
import { FaultModel } from './fault-model.ts';

const OPS = ['submit', 'status', 'results', 'cancel'] as const;
type Op = (typeof OPS)[number];

const draw = (model: FaultModel<Op>, op: Op, n: number) => Array.from({ length: n }, () => model.next(op) ?? 'ok');

describe('FaultModel', () => {
  it('draws the same faults from the same seed and request order', () => {
    const rules = [
      { kind: 'throttle' as const, probability: 0.3 },
      { kind: 'server-error' as const, ops: ['status' as const], probability: 0.3 },
    ];
    const a = draw(new FaultModel<Op>({ seed: 7, rules }, OPS), 'status', 40);
    const b = draw(new FaultModel<Op>({ seed: 7, rules }, OPS), 'status', 40);
    const c = draw(new FaultModel<Op>({ seed: 8, rules }, OPS), 'status', 40);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a)).toEqual(new Set(['ok', 'throttle', 'server-error']));
  });

  it('plays a script in order, null meaning a normal answer, before any rule', () => {
    const model = new FaultModel<Op>({ rules: [{ kind: 'server-error', ops: ['cancel'] }] }, OPS);
    model.script('results', ['hang', null, 'connection-reset']);
    model.script('*', ['lost-response']);
    expect(draw(model, 'results', 4)).toEqual(['hang', 'ok', 'connection-reset', 'lost-response']);
    expect(draw(model, 'results', 1)).toEqual(['ok']);
    expect(draw(model, 'cancel', 2)).toEqual(['server-error', 'server-error']);
    expect(model.injected).toEqual([
      { op: 'results', kind: 'hang' },
      { op: 'results', kind: 'connection-reset' },
      { op: 'results', kind: 'lost-response' },
      { op: 'cancel', kind: 'server-error' },
      { op: 'cancel', kind: 'server-error' },
    ]);
  });

  it('limits a rule to its operations and to `times` firings', () => {
    const model = new FaultModel<Op>({ rules: [{ kind: 'throttle', ops: ['submit'], times: 2 }] }, OPS);
    expect(draw(model, 'status', 2)).toEqual(['ok', 'ok']);
    expect(draw(model, 'submit', 3)).toEqual(['throttle', 'throttle', 'ok']);
  });

  it('forgets scripts and rules on reset', () => {
    const model = new FaultModel<Op>({ rules: [{ kind: 'throttle' }] }, OPS);
    model.script('*', ['server-error']);
    model.reset();
    expect(draw(model, 'status', 2)).toEqual(['ok', 'ok']);
  });

  it('rejects rules and scripts it cannot apply with a config error naming the field', () => {
    expect(() => new FaultModel<Op>({ rules: [{ kind: 'throttle', probability: 2 }] })).toThrow(/probability 2 must be between 0 and 1/);
    expect(() => new FaultModel<Op>({ rules: [{ kind: 'boom' as FaultKind }] })).toThrow(/kind 'boom' is unknown/);
    expect(() => new FaultModel<Op>({ rules: [{ kind: 'throttle', ops: ['list' as Op] }] }, OPS)).toThrow(
      /op 'list' is unknown; use one of submit, status/,
    );
    expect(() => new FaultModel<Op>({}, OPS).script('status', ['boom' as FaultKind])).toThrow(/step 'boom' is unknown/);
    expect(() => new FaultModel<Op>({ rules: [{ kind: 'throttle' }] }, OPS).next('status')).not.toThrow();
  });
});
