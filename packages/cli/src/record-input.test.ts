import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Io, main } from './main.ts';
import { EXIT } from './usage-error.ts';

const records = resolve(import.meta.dirname, 'test-fixtures/records.ts');
let project: string;

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'tflyte-records-'));
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

describe('record inputs on the command line', () => {
  it('reads a record flag as JSON, converting each field by its type (a datetime from ISO text, defaults filled)', async () => {
    const order = '{"id": 7, "placed": "2026-01-31T23:30:00Z", "lines": [{"sku": "a", "qty": 2}, {"sku": "b"}]}';
    const result = await tflyte('run', records, 'describeOrder', '--order', order);
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toEqual(['7 2026-01-31 a x2', '7 2026-01-31 b x1']);
  });

  it('converts the fields of an optional record too, and reads null as none', async () => {
    const some = await tflyte('run', records, 'maybeOrder', '--order', '{"id": 3, "placed": "2026-01-31T23:30:00Z", "lines": []}');
    expect(some.code, some.err).toBe(EXIT.ok);
    expect(some.out).toBe('3 2026-01-31T23:30:00.000Z');
    expect((await tflyte('run', records, 'maybeOrder')).out).toBe('none');
  });

  it('reads a record from --inputs-file, JSON or YAML', async () => {
    const json = join(project, 'inputs.json');
    writeFileSync(json, JSON.stringify({ order: { id: 1, placed: '2026-02-01T00:00:00Z', lines: [{ sku: 'c' }], note: 'gift' } }));
    expect(JSON.parse((await tflyte('run', '--inputs-file', json, records, 'describeOrder')).out)).toEqual(['1 2026-02-01 c x1 (gift)']);
    const yaml = join(project, 'inputs.yaml');
    writeFileSync(yaml, 'order:\n  id: 2\n  placed: "2026-03-01T10:00:00Z"\n  lines:\n    - sku: d\n      qty: 3\n');
    expect(JSON.parse((await tflyte('run', '--inputs-file', yaml, records, 'describeOrder')).out)).toEqual(['2 2026-03-01 d x3']);
  });

  it('names the field of a bad value, a missing field and an unknown one', async () => {
    const bad = await tflyte('run', records, 'describeOrder', '--order', '{"id": 1, "placed": "2026-02-30T00:00:00Z", "lines": []}');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toMatch(/input 'order': placed: expected a real date or time \(day 30 of 2026-02/);
    const missing = await tflyte('run', records, 'describeOrder', '--order', '{"id": 1, "lines": []}');
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toMatch(/input 'order'.*placed: expected datetime, got a missing field/);
    const unknown = await tflyte(
      'run',
      records,
      'describeOrder',
      '--order',
      '{"id": 1, "placed": "2026-02-01T00:00:00Z", "lines": [], "x": 1}',
    );
    expect(unknown.err).toMatch(/input 'order'.*x: unknown field; the declared fields are id, placed, lines, note/);
  });
});
