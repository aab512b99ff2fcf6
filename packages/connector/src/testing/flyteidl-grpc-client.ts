/**
 * For the tests: an independent gRPC client of the connector, as propeller would be one — built by
 * @grpc/grpc-js and @grpc/proto-loader from the .proto files @flyteorg/flyteidl ships, sharing no
 * code with the server's generated messages. Messages are plain objects (proto-loader's shape:
 * camelCase fields, enums as names, bytes as Buffers, int64 as strings).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
const flyteidlProtos = join(dirname(require.resolve('@flyteorg/flyteidl/package.json')), 'protos');
const googleProtos = dirname(require.resolve('google-proto-files/package.json'));
const ownProtos = fileURLToPath(new URL('../../proto', import.meta.url));

const LOADER: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true, bytes: Buffer };

type Plain = Record<string, unknown>;
type Unary = (
  request: Plain,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: Plain) => void,
) => grpc.ClientUnaryCall;

export interface FlyteidlClients {
  readonly async: grpc.Client;
  readonly sync: grpc.Client;
  readonly metadata: grpc.Client;
  readonly health: grpc.Client;
  /** A unary call by method name (`createTask`, `getTask`, `listAgents`, `check`, …) on one of the clients. */
  call(client: grpc.Client, method: string, request: Plain, deadlineMs?: number): Promise<Plain>;
  /** ExecuteTaskSync: sends the messages, closes, and collects the responses. */
  executeTaskSync(messages: readonly Plain[]): Promise<Plain[]>;
  /** A server-streaming call (GetTaskLogs, Health.Watch), collected until it ends or `take` messages arrived. */
  stream(client: grpc.Client, method: string, request: Plain, take?: number): Promise<Plain[]>;
  close(): void;
}

/**
 * connect-node percent-encodes grpc-message with encodeURIComponent; grpc-go (propeller) decodes
 * every %XX, while grpc-js only undoes what decodeURI does. Decode the rest, as propeller reads it.
 */
function readable(error: grpc.ServiceError): grpc.ServiceError {
  try {
    error.details = decodeURIComponent(error.details);
  } catch {
    // not percent-encoded
  }
  return error;
}

let definitions: { agent: grpc.GrpcObject; health: grpc.GrpcObject } | undefined;

function load(): { agent: grpc.GrpcObject; health: grpc.GrpcObject } {
  definitions ??= {
    agent: grpc.loadPackageDefinition(
      protoLoader.loadSync('flyteidl/service/agent.proto', { ...LOADER, includeDirs: [flyteidlProtos, googleProtos] }),
    ),
    health: grpc.loadPackageDefinition(protoLoader.loadSync('grpc/health/v1/health.proto', { ...LOADER, includeDirs: [ownProtos] })),
  };
  return definitions;
}

const pick = (root: grpc.GrpcObject, path: string): grpc.ServiceClientConstructor =>
  path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], root) as grpc.ServiceClientConstructor;

/** `target` is `host:port`; `tls` switches to TLS, trusting that CA (PEM) or only the system's roots. */
export function flyteidlClients(target: string, tls?: Buffer | 'system-roots'): FlyteidlClients {
  const { agent, health } = load();
  const credentials =
    tls === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(tls === 'system-roots' ? null : tls);
  const async = new (pick(agent, 'flyteidl.service.AsyncAgentService'))(target, credentials);
  const sync = new (pick(agent, 'flyteidl.service.SyncAgentService'))(target, credentials);
  const metadata = new (pick(agent, 'flyteidl.service.AgentMetadataService'))(target, credentials);
  const healthClient = new (pick(health, 'grpc.health.v1.Health'))(target, credentials);
  const all = [async, sync, metadata, healthClient];
  return {
    async,
    sync,
    metadata,
    health: healthClient,
    call(client, method, request, deadlineMs = 30_000) {
      const fn = (client as unknown as Record<string, Unary>)[method];
      if (fn === undefined) throw new TypeError(`no method ${method}`);
      return new Promise((resolve, reject) => {
        fn.call(client, request, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) =>
          error ? reject(readable(error)) : resolve(response ?? {}),
        );
      });
    },
    executeTaskSync(messages) {
      return new Promise((resolve, reject) => {
        const call = (sync as unknown as Record<string, () => grpc.ClientDuplexStream<Plain, Plain>>)['executeTaskSync']!.call(sync);
        const out: Plain[] = [];
        call.on('data', (m: Plain) => out.push(m));
        call.on('error', (error: grpc.ServiceError) => reject(readable(error)));
        call.on('end', () => resolve(out));
        for (const m of messages) call.write(m);
        call.end();
      });
    },
    stream(client, method, request, take) {
      return new Promise((resolve, reject) => {
        const call = (client as unknown as Record<string, (r: Plain) => grpc.ClientReadableStream<Plain>>)[method]!.call(client, request);
        const out: Plain[] = [];
        call.on('data', (m: Plain) => {
          out.push(m);
          if (take !== undefined && out.length >= take) {
            call.cancel();
            resolve(out);
          }
        });
        call.on('error', (error: grpc.ServiceError) =>
          error.code === grpc.status.CANCELLED && take !== undefined ? undefined : reject(error),
        );
        call.on('end', () => resolve(out));
      });
    },
    close() {
      for (const client of all) client.close();
    },
  };
}

export { grpc };
