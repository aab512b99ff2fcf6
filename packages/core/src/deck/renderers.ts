/**
 * The standard deck renderers, as flytekit ships them (markdown, tables, source code, images) plus
 * JSON: each turns a value into an HTML fragment, escaped, with no scripts and nothing fetched.
 */
import { TflyteError } from '../errors.ts';
import { escapeHtml } from './html.ts';

export { renderMarkdown } from './markdown.ts';

export interface TableOptions {
  /** Columns in order; default: every key of the records, in first-seen order. */
  readonly columns?: readonly string[];
  /** Rows shown; the rest are counted in a footer row. Default 1000. */
  readonly maxRows?: number;
}

/** A list of records as a table, one column per key. */
export function renderTable(records: readonly Readonly<Record<string, unknown>>[], options: TableOptions = {}): string {
  if (!Array.isArray(records))
    throw new TflyteError('TFLYTE_INVALID_INPUT', 'deck table: records must be an array of objects, e.g. [{ a: 1 }, { a: 2 }]');
  const columns = options.columns ?? [...new Set(records.flatMap((r) => Object.keys(r)))];
  const maxRows = options.maxRows ?? 1000;
  const shown = records.slice(0, maxRows);
  const head = `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
  const body = shown.map((r) => `<tr>${columns.map((c) => `<td>${escapeHtml(cellText(r[c]))}</td>`).join('')}</tr>`).join('');
  const more =
    records.length > shown.length
      ? `<tfoot><tr><td colspan="${columns.length}">… ${records.length - shown.length} more rows</td></tr></tfoot>`
      : '';
  return `<table class="deck-table">${head}<tbody>${body}</tbody>${more}</table>`;
}

/** Source code, shown verbatim. */
export function renderCode(source: string, language = ''): string {
  return `<pre class="deck-code"><code${language ? ` class="language-${escapeHtml(language)}"` : ''}>${escapeHtml(source)}</code></pre>`;
}

/** Any JSON-able value, pretty-printed. */
export function renderJson(value: unknown): string {
  return renderCode(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) ?? 'undefined', 'json');
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml']);

/** An image embedded as a data URI, so the deck needs no other file. */
export function renderImage(bytes: Uint8Array, mimeType: string, alt = ''): string {
  if (!IMAGE_TYPES.has(mimeType))
    throw new TflyteError('TFLYTE_INVALID_INPUT', `deck image: mimeType must be one of ${[...IMAGE_TYPES].join(', ')}, got '${mimeType}'`);
  return `<img class="deck-image" alt="${escapeHtml(alt)}" src="data:${mimeType};base64,${Buffer.from(bytes).toString('base64')}">`;
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}
