/** Splits a `multipart/related` body (the GCS multipart upload: JSON metadata, then the media) into its parts. */

export interface BodyPart {
  /** Lower-case header names. */
  headers: Map<string, string>;
  body: Buffer;
}

/** The parts, or a sentence saying what is wrong. */
export function parseMultipart(contentType: string | undefined, body: Buffer): BodyPart[] | string {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (contentType === undefined || !/^multipart\/related/i.test(contentType) || boundary === null) {
    return `Content-Type must be multipart/related with a boundary (got '${contentType ?? ''}')`;
  }
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2] ?? ''}`);
  const parts: BodyPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return 'the body does not contain the multipart boundary';
  for (;;) {
    at += delimiter.length;
    if (body.toString('latin1', at, at + 2) === '--') return parts;
    const next = body.indexOf(delimiter, at);
    if (next < 0) return 'the body ends without the closing multipart boundary';
    // A part is CRLF, headers, CRLF CRLF, content, CRLF, then the next delimiter.
    const part = body.subarray(at + 2, body.toString('latin1', next - 2, next) === '\r\n' ? next - 2 : next);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) return `part ${parts.length + 1} has no blank line after its headers`;
    const headers = new Map<string, string>();
    for (const line of part.toString('latin1', 0, split).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    parts.push({ headers, body: part.subarray(split + 4) });
    at = next;
  }
}
