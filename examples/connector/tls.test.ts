/**
 * examples/connector over TLS, through the `tflyte` command: `tflyte connector serve --tls-cert
 * --tls-key` with a certificate from a throw-away CA (made with openssl at test time), and
 * `tflyte run` in the client project reaching it over https — refused, with the fix named, until
 * the client trusts that CA (TFLYTE_CONNECTOR_CA), then running the query. Counted on the Athena
 * test server: the refused run started nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type AthenaTestServer, startAthenaServer } from '@tflyte/plugin-athena/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../../packages/connector/src/testing/test-certificates.ts';

const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));
const SERVE_DIR = fileURLToPath(new URL('./serve', import.meta.url));
const CLIENT_DIR = fileURLToPath(new URL('./client', import.meta.url));
const AWS = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example-secret' };

let certs: TestCertificates;
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
  certs = makeTestCertificates();
  athena = await startAthenaServer({ workGroups: { primary: { outputLocation: 's3://example-results/athena/' } } });
  await athena.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders(id INTEGER, customer VARCHAR, region VARCHAR);
    INSERT INTO sales.orders VALUES (1, 'ada', 'eu'), (2, 'grace', 'us'), (3, 'edsger', 'eu');`);
  stateDir = await mkdtemp(join(tmpdir(), 'tflyte-example-connector-tls-'));
  serve = tflyte(
    [
      'connector',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--metrics-port',
      'off',
      '--tls-cert',
      join(certs.dir, 'server.pem'),
      '--tls-key',
      join(certs.dir, 'server.key'),
    ],
    SERVE_DIR,
    { ...AWS, AWS_ENDPOINT_URL_ATHENA: athena.endpoint },
  );
  const failed = collect(serve);
  endpoint = await new Promise<string>((resolve, reject) => {
    createInterface({ input: serve.stdout! }).on('line', (line) => {
      const url = /on (https?:\/\/\S+)/.exec(line)?.[1];
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
  certs?.remove();
  if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
});

describe('examples/connector over TLS', () => {
  it('tflyte connector serve --tls-cert/--tls-key serves https', () => {
    expect(endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('tflyte run refuses a connector whose CA it does not trust, naming the fix, and starts nothing', async () => {
    const run = collect(
      tflyte(['run', '../orders.ts', 'customersIn', '--region', 'eu'], CLIENT_DIR, {
        TFLYTE_CONNECTOR_ENDPOINT: endpoint,
        TFLYTE_STATE_DIR: join(stateDir, 'untrusted'),
      }),
    );
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('pass the CA that signed it as tls.ca to connectorBackend');
    expect(athena.executions()).toHaveLength(0);
  });

  it('tflyte run trusting the CA (TFLYTE_CONNECTOR_CA) runs the query through the connector', async () => {
    const run = collect(
      tflyte(['run', '--json', '../orders.ts', 'customersIn', '--region', 'eu'], CLIENT_DIR, {
        TFLYTE_CONNECTOR_ENDPOINT: endpoint,
        TFLYTE_CONNECTOR_CA: join(certs.dir, 'ca.pem'),
        TFLYTE_STATE_DIR: join(stateDir, 'trusted'),
      }),
    );
    expect(await run.exited, run.stderr()).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual({
      rows: [
        { id: 1, customer: 'ada' },
        { id: 3, customer: 'edsger' },
      ],
    });
    expect(athena.executions().map((e) => e.executionParameters)).toEqual([["'eu'"]]);
  });
});
