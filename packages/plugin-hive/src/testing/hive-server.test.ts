// The test server, driven by the real hive-driver client as any HiveServer2 would be.
import hive from 'hive-driver';
import { afterEach, describe, expect, it } from 'vitest';
import { type HiveServerOptions, type HiveTestServer, startHiveServer } from './hive-server.ts';

const { HiveClient, HiveUtils, auth, connections, thrift } = hive;
const servers: HiveTestServer[] = [];
const clients: InstanceType<typeof HiveClient>[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function serve(options: HiveServerOptions = {}): Promise<HiveTestServer> {
  const server = await startHiveServer(options);
  servers.push(server);
  await server.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(id INTEGER, region VARCHAR, amount DECIMAL(10,2), big BIGINT);
    INSERT INTO sales.orders VALUES (1, 'eu', 12.50, 9007199254740993), (2, 'us', 7.05, -3), (3, 'eu', 99.99, NULL);`);
  return server;
}

async function query(server: HiveTestServer, statement: string, authentication: object, http = false) {
  const client = new HiveClient(thrift.TCLIService, thrift.TCLIService_types);
  clients.push(client);
  const connection = http ? new connections.HttpConnection() : new connections.TcpConnection();
  await client.connect(
    { host: server.host, port: server.port, options: http ? { path: server.httpPath } : {} },
    connection,
    authentication as never,
  );
  const session = await client.openSession({ client_protocol: thrift.TCLIService_types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10 });
  const utils = new HiveUtils(thrift.TCLIService_types);
  const operation = await session.executeStatement(statement, { runAsync: true });
  await utils.waitUntilReady(operation, false, () => {});
  await utils.fetchAll(operation);
  const rows = utils.getResult(operation).getValue();
  await operation.close();
  await session.close();
  return rows;
}

describe('the test HiveServer2', () => {
  it('answers hive-driver over NOSASL binary, buffered, running the statement on DuckDB', async () => {
    const server = await serve({ pendingMs: 2, runningMs: 2 });
    const rows = await query(
      server,
      "SELECT id, region FROM sales.orders WHERE region = 'eu' ORDER BY id",
      new auth.NoSaslAuthentication(),
    );
    expect(rows).toEqual([
      { id: 1, region: 'eu' },
      { id: 3, region: 'eu' },
    ]);
    expect(server.calls().map((c) => c.op)).toContain('GetOperationStatus');
  });

  it('checks PLAIN credentials over SASL on binary and Basic auth on HTTP', async () => {
    const users = { ana: 'secret' };
    const binary = await serve({ auth: 'plain', users });
    expect(
      await query(
        binary,
        'SELECT count(*) AS n FROM sales.orders',
        new auth.PlainTcpAuthentication({ username: 'ana', password: 'secret' }),
      ),
    ).toEqual([{ n: 3 }]);
    await expect(query(binary, 'SELECT 1', new auth.PlainTcpAuthentication({ username: 'ana', password: 'wrong' }))).rejects.toThrow(
      /Error validating the login/,
    );
    const http = await serve({ transport: 'http', users });
    expect(
      await query(
        http,
        'SELECT max(id) AS m FROM sales.orders',
        new auth.PlainHttpAuthentication({ username: 'ana', password: 'secret' }),
        true,
      ),
    ).toEqual([{ m: 3 }]);
  });

  it('lexes HiveQL: backslash escapes inside strings, backquoted names, one statement only', async () => {
    const server = await serve();
    const none = new auth.NoSaslAuthentication();
    expect(await query(server, "SELECT 'it\\'s' AS a, \"dq\" AS b, `id` FROM sales.`orders` WHERE id = 1", none)).toEqual([
      { a: "it's", b: 'dq', id: 1 },
    ]);
    await expect(query(server, 'SELECT 1; DROP TABLE sales.orders', none)).rejects.toMatchObject({
      response: { sqlState: '42000', errorMessage: expect.stringMatching(/ParseException/) },
    });
    expect(await server.sql('SELECT count(*)::INT AS n FROM sales.orders')).toEqual([{ n: 3 }]);
  });
});
