// Authoring and serialization: the TaskTemplate flytekit's HiveTask writes, and definition-time checks.
import { InvalidOptionError, t, toTaskTemplate } from '@tflyte/core';
import { describe, expect, it } from 'vitest';
import { hive } from './hive-plugin.ts';
import { hiveTask } from './hive-task.ts';

describe('hiveTask', () => {
  it("serializes as flytekit's HiveTask: type hive, custom = QuboleHiveJob proto3 JSON", () => {
    const task = hiveTask({
      name: 'byRegion',
      query: 'SELECT id FROM orders WHERE region = {{ .inputs.region }}',
      inputs: { region: t.string() },
      outputs: { rows: t.list(t.struct()) },
      clusterLabel: 'etl',
      tags: { team: 'data' },
      timeout: 90.5,
    });
    const template = toTaskTemplate(task, { version: 'v1' });
    expect(template.type).toBe('hive');
    expect(template.custom).toEqual({
      clusterLabel: 'etl',
      tags: ['team:data'],
      query: { query: 'SELECT id FROM orders WHERE region = {{ .inputs.region }}', timeoutSec: 91 },
    });
    expect(hive.configOf(template).job.query?.query).toBe('SELECT id FROM orders WHERE region = {{ .inputs.region }}');
  });

  it('omits defaults as MessageToDict does', () => {
    const template = toTaskTemplate(hiveTask({ name: 'plain', query: 'SELECT 1' }), { version: 'v1' });
    expect(template.custom).toEqual({ query: { query: 'SELECT 1' } });
  });

  it.each([
    [{ query: 'SELECT {{ .inputs.missing }}' }, /references input 'missing'/],
    [{ query: 'SELECT 1', inputs: { unused: t.int() } }, /inputs.unused.*not referenced/],
    [{ query: 'SELECT {{ .inputs.xs }}', inputs: { xs: t.list(t.int()) } }, /no SQL literal form/],
    [{ query: 'SELECT 1', outputs: { other: t.int() } }, /outputs.other/],
    [{ query: 'SELECT 1', clusterLabel: 'no spaces' }, /clusterLabel/],
    // Lexed as Hive lexes: \' does not end the string, so the reference is inside it.
    [{ query: "SELECT 'it\\'s {{ .inputs.region }}'", inputs: { region: t.string() } }, /inside a string literal/],
    [{ query: 'SELECT "{{ .inputs.region }}"', inputs: { region: t.string() } }, /inside a string literal/],
  ])('refuses %j with a clear error', (options, message) => {
    expect(() => hiveTask({ name: 'bad', ...(options as { query: string }) })).toThrow(InvalidOptionError);
    expect(() => hiveTask({ name: 'bad', ...(options as { query: string }) })).toThrow(message);
  });
});
