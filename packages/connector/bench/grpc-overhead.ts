/**
 * Micro-benchmark: the CPU a gRPC server library spends on one unary call, to weigh the connector's
 * choice of @connectrpc/connect-node against @grpc/grpc-js. The same grpc-js client (the tests'
 * independent one) makes 4 × 1,000 concurrent Health.Check calls, after a warm-up round, against
 * either a grpc-js server or the connector's own server (startConnectorServer, connect-node). Client
 * and server share the side's process, so the CPU per call is both; the client is the same on both
 * sides, so the difference is the server's. Sides alternate, each in a fresh process.
 *
 *   node --conditions=@tflyte/source packages/connector/bench/grpc-overhead.ts [rounds]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { athenaPlugin } from '@tflyte/plugin-athena';
import { startConnectorServer } from '../src/server/connector-server.ts';
import { flyteidlClients } from '../src/testing/flyteidl-grpc-client.ts';

const CONCURRENCY = 1000;
const BATCHES = 4;
type Side = 'grpc-js' | 'connect-node';

async function measure(target: string): Promise<number> {
  const c = flyteidlClients(target);
  try {
    const batch = (): Promise<unknown> =>
      Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          const reply = await c.call(c.health, 'check', { service: '' });
          if (reply['status'] !== 'SERVING') throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
        }),
      );
    await batch();
    const cpu = process.cpuUsage();
    for (let i = 0; i < BATCHES; i++) await batch();
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / (CONCURRENCY * BATCHES);
  } finally {
    c.close();
  }
}

async function side(name: Side): Promise<number> {
  if (name === 'grpc-js') {
    const proto = fileURLToPath(new URL('../proto', import.meta.url));
    const health = grpc.loadPackageDefinition(protoLoader.loadSync('grpc/health/v1/health.proto', { includeDirs: [proto], enums: String }));
    const service = (health as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } }).grpc.health.v1.Health;
    const server = new grpc.Server();
    server.addService(service.service, {
      check: (_call: unknown, callback: grpc.sendUnaryData<{ status: string }>) => callback(null, { status: 'SERVING' }),
      watch: () => {},
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
    try {
      return await measure(`127.0.0.1:${port}`);
    } finally {
      server.forceShutdown();
    }
  }
  const connector = await startConnectorServer({
    plugins: [athenaPlugin({ region: 'us-east-1' })],
    host: '127.0.0.1',
    port: 0,
    metricsPort: false,
    log: () => {},
  });
  try {
    return await measure(connector.url.replace('http://', ''));
  } finally {
    await connector.close({ graceMs: 100 });
  }
}

const at = process.argv.indexOf('--side');
if (at >= 0) {
  process.stdout.write(`${await side(process.argv[at + 1] as Side)}\n`);
  process.exit(0);
}
const rounds = Number(process.argv[2] ?? 3);
const results: Record<Side, number[]> = { 'grpc-js': [], 'connect-node': [] };
for (let round = 0; round < rounds; round++) {
  const order: Side[] = round % 2 === 0 ? ['grpc-js', 'connect-node'] : ['connect-node', 'grpc-js'];
  for (const name of order) {
    const child = spawnSync(process.execPath, ['--conditions=@tflyte/source', fileURLToPath(import.meta.url), '--side', name], {
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`${name} side failed: ${child.stderr}`);
    results[name].push(Number(child.stdout.trim().split('\n').pop()));
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const name of ['grpc-js', 'connect-node'] as const)
  console.log(
    `${name.padEnd(13)} server: ${median(results[name]).toFixed(0)} µs of CPU per call, client included (runs: ${results[name].map((x) => x.toFixed(0)).join(', ')})`,
  );
console.log(`connect-node / grpc-js: ${(median(results['connect-node']) / median(results['grpc-js'])).toFixed(2)}x`);
