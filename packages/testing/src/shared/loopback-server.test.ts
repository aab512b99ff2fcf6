import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoopbackHandler } from './loopback-server.ts';
import { LoopbackServer } from './loopback-server.ts';

let servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(handler: LoopbackHandler): Promise<LoopbackServer> {
  const server = new LoopbackServer(handler);
  servers.push(server);
  await server.listen();
  return server;
}

function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request(url, resolve).on('error', reject).end();
  });
}

async function text(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('LoopbackServer', () => {
  it('has no endpoint until it listens, then serves on an ephemeral 127.0.0.1 port', async () => {
    const server = new LoopbackServer((_req, res) => {
      res.end('hello');
    });
    servers.push(server);
    expect(server.endpoint).toBe('');
    expect(server.port).toBe(0);
    await server.listen();
    expect(server.port).toBeGreaterThan(0);
    expect(server.endpoint).toBe(`http://127.0.0.1:${server.port}`);
    expect(await text(await get(server.endpoint))).toBe('hello');
  });

  it('resets the connection when the handler rejects or throws', async () => {
    const rejecting = await start(async () => {
      throw new Error('handler failed');
    });
    const throwing = await start(() => {
      throw new Error('handler failed');
    });
    await expect(get(rejecting.endpoint)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(get(throwing.endpoint)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('closes while a response is still streaming by dropping its connection', async () => {
    const server = await start((_req, res) => {
      res.writeHead(200);
      res.write('first chunk');
    });
    const response = await get(server.endpoint);
    const ended = new Promise<boolean>((resolve) => response.on('close', () => resolve(response.complete)));
    await server.close();
    expect(await ended).toBe(false);
  });

  it('can be closed more than once', async () => {
    const server = await start((_req, res) => {
      res.end();
    });
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await server.close();
  });
});
