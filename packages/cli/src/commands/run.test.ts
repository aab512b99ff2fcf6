import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { EXIT } from '../usage-error.ts';

const cliMain = resolve(import.meta.dirname, '../main.ts');
const fixtures = resolve(import.meta.dirname, '../test-fixtures');
const pluginUrl = new URL('../../../plugin-athena/src/index.ts', import.meta.url).href;
let project: string;
let server: AthenaTestServer;

beforeEach(async () => {
  // A query that stays RUNNING until stopped.
  server = await startAthenaServer({ queuedMs: 0, runningMs: Number.POSITIVE_INFINITY, workGroups: { primary: { outputLocation: 's3://results/' } } });
  await server.sql('CREATE SCHEMA bench; CREATE TABLE bench.numbers(n INTEGER); INSERT INTO bench.numbers VALUES (1), (2);');
  project = mkdtempSync(join(tmpdir(), 'tflyte-run-'));
  writeFileSync(
    join(project, 'tflyte.config.ts'),
    `import { athenaPlugin } from ${JSON.stringify(pluginUrl)};\n` +
      `export default { plugins: [athenaPlugin({ endpoint: ${JSON.stringify(server.endpoint)}, region: 'us-east-1', ` +
      `credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, poll: { initialMs: 20, multiplier: 1, maxMs: 20 } })] };\n`,
  );
});
afterEach(async () => {
  await server.close();
  rmSync(project, { recursive: true, force: true });
});

describe('tflyte run with a remote backend', () => {
  it('cancels on Ctrl-C: the running query is stopped before the process exits with 130', async () => {
    const child = spawn(process.execPath, ['--conditions=@tflyte/source', cliMain, 'run', join(fixtures, 'athena.ts'), 'slowCount', '--above', '0'], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until the query runs remotely, then interrupt as a terminal's Ctrl-C would.
    while (!server.executions().some((e) => e.state === 'RUNNING')) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await exited).toBe(EXIT.cancelled);
    expect(server.executions().map((e) => e.state)).toEqual(['CANCELLED']);
    expect(server.requests.map((r) => r.op)).toContain('StopQueryExecution');
    expect(stderr).toMatch(/cancelling/);
  });

  it('lists the configured plugins', async () => {
    const out: string[] = [];
    const code = await main(['plugins'], { cwd: project, out: (l) => out.push(l), err: () => {}, env: {}, isTTY: false });
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^TASK TYPE\s+VERSION\s+PACKAGE\s+BACKEND$/);
    expect(out.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['container', 'v0', '@tflyte/core'],
      ['presto', 'v0', '@tflyte/plugin-athena'],
    ]);
  });
});

describe('tflyte cache clear', () => {
  it('forgets cached results, so the next run executes again', async () => {
    const io = (out: string[]) => ({ cwd: project, out: (l: string) => out.push(l), err: () => {}, env: {}, isTTY: false });
    const first: string[] = [];
    const tasks = join(fixtures, 'tasks.ts');
    expect(await main(['run', tasks, 'cachedSquare', '--x', '4'], io(first))).toBe(0);
    expect(await main(['run', tasks, 'cachedSquare', '--x', '4'], io([]))).toBe(0);
    const cleared: string[] = [];
    expect(await main(['cache', 'clear'], io(cleared))).toBe(0);
    expect(cleared[0]).toMatch(/^removed 1 cached result from .*state\.db$/);
    expect(await main(['cache', 'clean'], io([]))).toBe(EXIT.usage);
  });
});
