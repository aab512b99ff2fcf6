/**
 * Temporary: the loopback HTTP server and body reader of @tflyte/testing are not exported yet (they
 * should be, through @tflyte/testing/emulator); this is the smallest stand-in, to be replaced by them.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Loopback {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function listenLoopback(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Loopback> {
  const sockets = new Set<Socket>();
  const http = createServer((req, res) => {
    handler(req, res).catch(() => res.destroy());
  });
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        http.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return reject(new Error('request body too large'));
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
