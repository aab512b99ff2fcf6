import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Io, main } from './main.ts';
import { EXIT } from './usage-error.ts';

const values = resolve(import.meta.dirname, 'test-fixtures/values.ts');
let project: string;

beforeEach(() => {
  // A project of its own per test, so cached results never leak between tests.
  project = mkdtempSync(join(tmpdir(), 'tflyte-values-'));
  writeFileSync(join(project, 'tflyte.config.ts'), 'export default { plugins: [] };\n');
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

async function tflyte(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { cwd: project, out: (l) => out.push(l), err: (l) => err.push(l), env: {}, isTTY: false };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function inputsFile(content: string): string {
  const file = join(project, 'inputs.json');
  writeFileSync(file, content);
  return file;
}

describe('keys that name Object.prototype members are ordinary keys', () => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`passes a map key "${key}" from a flag through the task and prints it`, async () => {
      const result = await tflyte('run', values, 'echoMap', '--m', `{"${key}": 5, "a": 1}`);
      expect(result.code, result.err).toBe(EXIT.ok);
      expect(Object.entries(JSON.parse(result.out))).toEqual([
        [key, 5],
        ['a', 1],
      ]);
    });

    it(`passes a struct key "${key}" through the task and prints it`, async () => {
      const result = await tflyte('run', values, 'echoStruct', '--s', `{"${key}": {"x": 1}}`);
      expect(result.code, result.err).toBe(EXIT.ok);
      expect(Object.entries(JSON.parse(result.out))).toEqual([[key, { x: 1 }]]);
    });

    it(`reads "${key}" in --inputs-file as a key that is not an input, naming it`, async () => {
      const result = await tflyte('run', '--inputs-file', inputsFile(`{"m": {"a": 1}, "${key}": 1}`), values, 'echoMap');
      expect(result.code).toBe(EXIT.usage);
      expect(result.err).toBe(
        `tflyte: --inputs-file ${join(project, 'inputs.json')}: '${key}' is not an input of task 'src.test-fixtures.values.echoMap' (inputs: --m <map<string, int>>)`,
      );
    });

    it(`reads a map key "${key}" from --inputs-file`, async () => {
      const result = await tflyte('run', '--inputs-file', inputsFile(`{"m": {"${key}": 2}}`), values, 'echoMap');
      expect(result).toMatchObject({ code: EXIT.ok });
      expect(Object.entries(JSON.parse(result.out))).toEqual([[key, 2]]);
    });
  }

  it('gives {"__proto__": 5, "a": 1} its own cache entry, not the one of {"a": 1}', async () => {
    expect((await tflyte('run', values, 'cachedEcho', '--m', '{"a": 1}')).out).toBe('{"a":1}');
    const second = await tflyte('run', values, 'cachedEcho', '--m', '{"__proto__": 5, "a": 1}');
    expect(second.out).toBe('{"__proto__":5,"a":1}');
  });
});

describe('dates', () => {
  it('refuses an impossible date instead of rolling it over', async () => {
    for (const text of [
      '2026-02-30',
      '2026-02-29T10:00:00Z',
      '2026-13-01',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T10:61:00Z',
    ]) {
      const result = await tflyte('run', values, 'echoDate', '--when', text);
      expect(result.code, text).toBe(EXIT.usage);
      expect(result.err, text).toMatch(/input 'when': .*not a real date or time/);
    }
  });

  it('accepts real dates, leap days included', async () => {
    expect((await tflyte('run', values, 'echoDate', '--when', '2028-02-29T10:00:00Z')).out).toBe('2028-02-29T10:00:00.000Z');
    expect((await tflyte('run', values, 'echoDate', '--when', '2026-12-31')).out).toBe('2026-12-31T00:00:00.000Z');
  });
});

describe('deeply nested structs', () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  it('runs a struct nested 100 deep', async () => {
    expect(await tflyte('run', values, 'depth', '--s', nested(100))).toMatchObject({ code: EXIT.ok, out: '100' });
  });

  it('refuses one deeper than the limit with the input named and the limit stated', async () => {
    const result = await tflyte('run', values, 'depth', '--s', nested(1001));
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(/input 's': .*nests deeper than 1000 levels/);
  });
});

describe('outputs print by their declared type', () => {
  it('prints a struct holding {seconds, nanos} as the JSON object it is', async () => {
    expect((await tflyte('run', values, 'durationLike')).out).toBe('{"seconds":90,"nanos":0}');
  });

  it('prints Infinity, bare and in JSON', async () => {
    expect((await tflyte('run', values, 'infinite')).out).toBe('Infinity');
    expect(JSON.parse((await tflyte('run', values, 'several')).out)).toEqual({
      x: '-Infinity',
      when: '2026-01-31T12:00:00.000Z',
      raw: 'AQI=',
    });
  });
});
