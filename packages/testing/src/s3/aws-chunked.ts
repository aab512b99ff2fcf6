/**
 * Decodes an `aws-chunked` request body: `<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n` chunks, a zero-size
 * chunk, then optional trailer lines (`x-amz-checksum-crc32:<b64>`) and a blank line. The SDK sends this for
 * streaming uploads (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER` or `STREAMING-AWS4-HMAC-SHA256-PAYLOAD…`).
 */

export interface AwsChunkedBody {
  data: Buffer;
  /** Trailer headers, lower-case names. */
  trailers: Map<string, string>;
}

/** The decoded body, or a sentence saying where the encoding is broken. */
export function decodeAwsChunked(body: Buffer): AwsChunkedBody | string {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return `chunk header at byte ${at} is not terminated by CRLF`;
    const header = body.toString('latin1', at, lineEnd);
    const sizeText = header.split(';')[0] ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return `chunk header '${header}' at byte ${at} does not start with a hex size`;
    const size = Number.parseInt(sizeText, 16);
    at = lineEnd + 2;
    if (size === 0) break;
    if (at + size + 2 > body.length || body.toString('latin1', at + size, at + size + 2) !== '\r\n') {
      return `chunk of ${size} bytes at byte ${at} is truncated or not followed by CRLF`;
    }
    chunks.push(body.subarray(at, at + size));
    at += size + 2;
  }
  const trailers = new Map<string, string>();
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    // Some encoders end the trailer section without the final CRLF.
    const line = body.toString('latin1', at, lineEnd < 0 ? body.length : lineEnd);
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) return `trailer line '${line}' is not 'name:value'`;
    trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    if (lineEnd < 0) break;
    at = lineEnd + 2;
  }
  return { data: Buffer.concat(chunks), trailers };
}
