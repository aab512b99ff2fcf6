/** The few XML shapes the S3 REST API answers with, built as text. */

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `<name>text</name>`, escaped; an absent value gives no element. */
export function element(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A response document; `namespaced` adds the S3 xmlns that results carry (errors have none). */
export function xmlDocument(root: string, inner: string, namespaced = true): string {
  const ns = namespaced ? ` xmlns="${S3_NAMESPACE}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${inner}</${root}>`;
}

/** S3 timestamps in bodies: ISO 8601 with milliseconds. */
export function isoTime(date: Date): string {
  return date.toISOString();
}
