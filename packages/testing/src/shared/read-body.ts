/** Reads a request body into memory, refusing one larger than a limit. */
import type { IncomingMessage } from 'node:http';

/**
 * Rejects with `tooLarge()` as soon as the body passes `limit` bytes and drains the rest unread, so the
 * server can answer at once without buffering an oversized upload.
 */
export function readBody(req: IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(tooLarge());
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
