import type { IncomingHttpHeaders } from 'node:http';

/** A request header's value; a header sent more than once reads as its values joined by commas, as HTTP lists do. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
