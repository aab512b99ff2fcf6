import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tflyte-yaml-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const inputFlags = pathToFileURL(resolve(import.meta.dirname, 'input-flags.ts')).href;
const values = pathToFileURL(resolve(import.meta.dirname, 'test-fixtures/values.ts')).href;

describe('input flags at start-up', () => {
  it('loads the YAML parser only when an inputs file is YAML', () => {
    writeFileSync(join(dir, 'inputs.json'), '{"m": {"a": 1}}');
    writeFileSync(join(dir, 'inputs.yaml'), 'm:\n  a: 1\n');
    // A fresh Node process records every resolution of 'yaml' (import or require) while it loads the
    // module and reads a JSON inputs file, then a YAML one.
    const script = `
      import module from 'node:module';
      const seen = [];
      module.registerHooks({ resolve(specifier, context, next) { if (specifier === 'yaml') seen.push(specifier); return next(specifier, context); } });
      const { parseInputFlags } = await import(${JSON.stringify(inputFlags)});
      const { echoMap } = await import(${JSON.stringify(values)});
      const afterImport = seen.length;
      parseInputFlags(echoMap, [], ${JSON.stringify(dir)}, 'inputs.json');
      const afterJson = seen.length;
      const yamlInputs = parseInputFlags(echoMap, [], ${JSON.stringify(dir)}, 'inputs.yaml');
      console.log(JSON.stringify({ afterImport, afterJson, afterYaml: seen.length, yamlInputs }));
    `;
    const child = spawnSync(process.execPath, ['--conditions=@tflyte/source', '--input-type=module', '-e', script], {
      cwd: resolve(import.meta.dirname, '../../..'),
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ afterImport: 0, afterJson: 0, afterYaml: 1, yamlInputs: { m: { a: 1 } } });
  });
});
