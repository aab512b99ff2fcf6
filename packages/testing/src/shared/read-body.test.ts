import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackServer } from './loopback-server.ts';
import { readBody } from './read-body.ts';

class TooLarge extends Error {}

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that answers with the body's length, or 413 when readBody refuses it. */
async function echoLength(limit: number): Promise<string> {
  server = new LoopbackServer(async (req, res) => {
    try {
      const body = await readBody(req, limit, () => new TooLarge());
      res.end(String(body.length));
    } catch (error) {
      res.writeHead(error instanceof TooLarge ? 413 : 500).end();
    }
  });
  await server.listen();
  return server.endpoint;
}

describe('readBody', () => {
  it('returns the whole body when it is within the limit', async () => {
    const endpoint = await echoLength(1024);
    const response = await fetch(endpoint, { method: 'POST', body: Buffer.alloc(1024, 1) });
    expect(await response.text()).toBe('1024');
  });

  it('refuses a body past the limit with the given error, and the connection still gets an answer', async () => {
    const endpoint = await echoLength(1024);
    const response = await fetch(endpoint, { method: 'POST', body: Buffer.alloc(256 * 1024, 1) });
    expect(response.status).toBe(413);
  });
});
