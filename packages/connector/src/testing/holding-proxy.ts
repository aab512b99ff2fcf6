/**
 * For the tests: an HTTP proxy in front of a wire-level test server that holds the requests a test
 * picks (by Athena's `x-amz-target` operation) until the test releases them, and counts every
 * request that arrived. It lets a test keep a backend call in flight for as long as it needs —
 * without a sleep — and see on the server side how many calls got through.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldingProxy {
  /** `http://127.0.0.1:<port>`, the endpoint to give the client instead of the server's. */
  readonly endpoint: string;
  /** Requests of `operation` that reached the proxy, held or not. */
  arrived(operation: string): number;
  /** Requests held now. */
  readonly held: number;
  /** Forwards the oldest held request (false when none is held). */
  releaseOne(): boolean;
  /** Forwards every held request and stops holding. */
  releaseAll(): void;
  close(): Promise<void>;
}

export async function startHoldingProxy(upstream: string, holdOperations: readonly string[]): Promise<HoldingProxy> {
  const target = new URL(upstream);
  const arrivals = new Map<string, number>();
  const held: (() => void)[] = [];
  let holding = true;

  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void => {
    const out = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^.*\./, '');
      arrivals.set(operation, (arrivals.get(operation) ?? 0) + 1);
      const go = (): void => forward(req, Buffer.concat(chunks), res);
      if (holding && holdOperations.includes(operation)) held.push(go);
      else go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived: (operation) => arrivals.get(operation) ?? 0,
    get held() {
      return held.length;
    },
    releaseOne() {
      const next = held.shift();
      next?.();
      return next !== undefined;
    },
    releaseAll() {
      holding = false;
      for (const go of held.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        holding = false;
        for (const go of held.splice(0)) go();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
