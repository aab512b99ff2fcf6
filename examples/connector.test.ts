/**
 * examples/connector, both directions, through the `tflyte` command: `tflyte connector serve`
 * serves the Athena plugin (against the wire-level Athena test server) as a Flyte connector, and a
 * second project runs its Athena task through that connector with `tflyte run` — to completion,
 * and cancelled with Ctrl-C, which deletes the remote job.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NODE = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
const CLI = fileURLToPath(new URL('../packages/cli/src/main.ts', import.meta.url));
const SERVE_DIR = fileURLToPath(new URL('./connector/serve', import.meta.url));
const CLIENT_DIR = fileURLToPath(new URL('./connector/client', import.meta.url));
const AWS = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example-secret' };

let athena: AthenaTestServer;
let serve: ChildProcess;
let endpoint: string;
let stateDir: string;

const tflyte = (args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess =>
  spawn(NODE, ['--conditions=@tflyte/source', CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return { stdout: () => stdout, stderr: () => stderr, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

beforeAll(async () => {
  // Queries for region 'hold' stay RUNNING until stopped.
  athena = await startAthenaServer({
    workGroups: { primary: { outputLocation: 's3://example-results/athena/' } },
    onQuery: (q) =>
      q.executionParameters.some((p) => p === "'hold'" || p === "'held'") ? { runningMs: Number.POSITIVE_INFINITY } : undefined,
  });
  await athena.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, region VARCHAR);
    INSERT INTO sales.orders VALUES (1, 'ada', 'eu'), (2, 'grace', 'us'), (3, 'edsger', 'eu');`);
  stateDir = await mkdtemp(join(tmpdir(), 'tflyte-example-connector-'));
  serve = tflyte(['connector', 'serve', '--host', '127.0.0.1', '--port', '0', '--metrics-port', 'off'], SERVE_DIR, {
    ...AWS,
    AWS_ENDPOINT_URL_ATHENA: athena.endpoint,
  });
  const failed = collect(serve);
  endpoint = await new Promise<string>((resolve, reject) => {
    createInterface({ input: serve.stdout! }).on('line', (line) => {
      const url = /on (http:\/\/\S+)/.exec(line)?.[1];
      if (url !== undefined) resolve(url);
    });
    void failed.exited.then((code) => reject(new Error(`tflyte connector serve exited with ${code}: ${failed.stderr()}`)));
  });
});
afterAll(async () => {
  if (serve !== undefined && serve.exitCode === null) {
    const exited = new Promise((resolve) => serve.once('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
  }
  await athena?.close();
  if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
});

describe('examples/connector', () => {
  it('runs an Athena task with tflyte run through the connector that tflyte connector serve runs', async () => {
    const run = collect(
      tflyte(['run', '--json', '../orders.ts', 'customersIn', '--region', 'eu'], CLIENT_DIR, {
        TFLYTE_CONNECTOR_ENDPOINT: endpoint,
        TFLYTE_STATE_DIR: join(stateDir, 'ok'),
      }),
    );
    expect(await run.exited, run.stderr()).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual({
      rows: [
        { id: 1, customer: 'ada' },
        { id: 3, customer: 'edsger' },
      ],
    });
    // The connector process, not tflyte run, talked to Athena: it holds the only credentials.
    expect(athena.executions().filter((e) => e.executionParameters.includes("'eu'"))).toHaveLength(1);
  });

  it('Ctrl-C on tflyte run deletes the remote job through the connector', async () => {
    const child = tflyte(['run', '../orders.ts', 'customersIn', '--region', 'hold'], CLIENT_DIR, {
      TFLYTE_CONNECTOR_ENDPOINT: endpoint,
      TFLYTE_STATE_DIR: join(stateDir, 'cancel'),
    });
    const run = collect(child);
    const held = () => athena.executions().find((e) => e.executionParameters.includes("'hold'"));
    while (held()?.state !== 'RUNNING') {
      if (child.exitCode !== null) throw new Error(`tflyte run exited early: ${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(held()?.state).toBe('CANCELLED');
    expect(athena.requests.filter((r) => r.op === 'StopQueryExecution')).toHaveLength(1);
  });

  it('a tflyte run killed with SIGKILL is resumed by the same command, re-attaching to the remote job', async () => {
    const env = { TFLYTE_CONNECTOR_ENDPOINT: endpoint, TFLYTE_STATE_DIR: join(stateDir, 'kill') };
    const args = ['run', '--json', '../orders.ts', 'customersIn', '--region', 'held'];
    const first = tflyte(args, CLIENT_DIR, env);
    const firstRun = collect(first);
    const held = () => athena.executions().find((e) => e.executionParameters.includes("'held'"));
    while (held()?.state !== 'RUNNING') {
      if (first.exitCode !== null) throw new Error(`tflyte run exited early: ${firstRun.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // The handle is persisted before the first status check, which reaches Athena through the connector.
    const id = held()!.queryExecutionId;
    while (!athena.requests.some((r) => r.op === 'GetQueryExecution' && JSON.stringify(r).includes(id)))
      await new Promise((r) => setTimeout(r, 20));
    first.kill('SIGKILL');
    await firstRun.exited;
    expect(athena.advance(id)).toBe(true);
    const second = collect(tflyte(args, CLIENT_DIR, env));
    expect(await second.exited, second.stderr()).toBe(0);
    expect(JSON.parse(second.stdout())).toEqual({ rows: [] });
    expect(athena.executions().filter((e) => e.executionParameters.includes("'held'"))).toHaveLength(1);
  });

  it('tflyte connector serve --help names every setting', async () => {
    const help = collect(tflyte(['connector', 'serve', '--help'], SERVE_DIR, {}));
    expect(await help.exited).toBe(0);
    for (const setting of [
      '--host',
      '--port',
      '--tls-cert',
      '--tls-key',
      '--metrics-port',
      '--max-concurrent-creates',
      '--shutdown-grace-ms',
    ]) {
      expect(help.stdout()).toContain(setting);
    }
  });
});
