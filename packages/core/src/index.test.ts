import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// A Node without node:sqlite (22.12 and older) is simulated with a resolve hook that fails the
// import the way that Node does: core must load, and define and call tasks, all the same.
const script = `
import module from 'node:module';
module.registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'node:sqlite' || specifier === 'sqlite') {
      const error = new Error('No such built-in module: node:sqlite');
      error.code = 'ERR_UNKNOWN_BUILTIN_MODULE';
      throw error;
    }
    return next(specifier, { ...context, conditions: [...(context.conditions ?? []), '@tflyte/source'] });
  },
});
const { t, task } = await import('@tflyte/core');
const double = task({ inputs: { n: t.int() }, outputs: t.int() }, function double({ n }) { return n * 2; });
process.stdout.write(JSON.stringify(await double({ n: 21 })));
`;

describe('@tflyte/core without node:sqlite', () => {
  it('imports, defines a task and calls it: only a persisted run opens the state store', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: import.meta.dirname, encoding: 'utf8' });
    expect(JSON.parse(out)).toBe(42);
  });
});
