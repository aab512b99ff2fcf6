/**
 * Command-line text → native input values, by each input's declared Flyte type: numbers, booleans,
 * ISO-8601 datetimes and durations, enum names, paths for files and directories, and JSON for
 * lists, maps, structs and records (nested values converted by their element and field types).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type AnyType, typeFromLiteralType } from '@tflyte/core';
import type { LiteralType } from '@tflyte/idl/core/types';
import { BlobType_BlobDimensionality, SimpleType } from '@tflyte/idl/core/types';

/** A value could not be read as its type; the message completes "input 'x': …". */
export class InputParseError extends Error {}

// Date, then optionally a time (seconds and fraction optional) and a zone (Z or ±hh:mm).
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/;
const ISO_DURATION = /^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Parses one flag's text as `type`; the caller checks the value with the type itself. */
export function parseInput(type: AnyType, text: string, cwd: string): unknown {
  const lt = type.literalType();
  return isStructured(lt) ? fromJson(lt, parseJson(text, type.display), '', cwd) : fromText(lt, text, type.display, cwd);
}

/** Converts a JSON-decoded value (from JSON flags or an inputs file) to the native value of `lt`. */
export function fromJson(lt: LiteralType, json: unknown, path: string, cwd: string): unknown {
  const t = lt.type;
  const at = path === '' ? '' : `${path}: `;
  switch (t.case) {
    case 'simple':
      if (typeof json === 'string' && !(t.value === SimpleType.STRING || t.value === SimpleType.BINARY)) {
        return fromText(lt, json, simpleName(t.value), cwd, path);
      }
      if (t.value === SimpleType.BINARY && typeof json === 'string') return new Uint8Array(Buffer.from(json, 'base64'));
      if (t.value === SimpleType.DURATION && typeof json === 'number') return secondsToDuration(json);
      if (t.value === SimpleType.STRUCT && isObject(json)) return recordFields(lt, json, path, cwd);
      return json;
    case 'collectionType':
      if (!Array.isArray(json)) throw new InputParseError(`${at}expected a JSON list, got ${describe(json)}`);
      return json.map((item, i) => fromJson(t.value, item, `${path}[${i}]`, cwd));
    case 'mapValueType':
      if (!isObject(json)) throw new InputParseError(`${at}expected a JSON object, got ${describe(json)}`);
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, fromJson(t.value, v, `${path}[${JSON.stringify(k)}]`, cwd)]));
    case 'unionType': {
      if (json === null && t.value.variants.some((v) => v.type.case === 'simple' && v.type.value === SimpleType.NONE)) return null;
      const problems: string[] = [];
      for (const variant of t.value.variants) {
        try {
          return fromJson(variant, json, path, cwd);
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      throw new InputParseError(`${at}matches no variant of the union (${problems.join('; ')})`);
    }
    case 'blob':
    case 'structuredDatasetType':
      if (typeof json === 'string') return fromText(lt, json, t.case === 'blob' ? 'path' : 'dataset uri', cwd, path);
      return json;
    default:
      return json;
  }
}

/**
 * A record's fields converted by their own types (a datetime field from its ISO text); undeclared keys
 * stay for the record's check to name. The record is rebuilt from the LiteralType, which also covers a
 * union variant, whose field types live only in its JSON schema.
 */
function recordFields(lt: LiteralType, json: Record<string, unknown>, path: string, cwd: string): Record<string, unknown> {
  const type = typeFromLiteralType(lt);
  if (type.kind !== 'record') return json;
  const fields = (type as AnyType & { readonly fields: Readonly<Record<string, AnyType>> }).fields;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    Object.defineProperty(out, key, {
      value: field === undefined ? value : fromJson(field.literalType(), value, path === '' ? key : `${path}.${key}`, cwd),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function fromText(lt: LiteralType, text: string, display: string, cwd: string, path = ''): unknown {
  const t = lt.type;
  const at = path === '' ? '' : `${path}: `;
  const bad = (expected: string): never => {
    throw new InputParseError(`${at}expected ${expected}, got ${JSON.stringify(text)}`);
  };
  switch (t.case) {
    case 'simple':
      switch (t.value) {
        case SimpleType.INTEGER:
          return /^[+-]?\d+$/.test(text.trim()) ? Number(text) : bad('an integer');
        case SimpleType.FLOAT: {
          const n = Number(text);
          return text.trim() !== '' && !Number.isNaN(n) ? n : bad('a number');
        }
        case SimpleType.BOOLEAN:
          return text === 'true' ? true : text === 'false' ? false : bad('true or false');
        case SimpleType.DATETIME: {
          if (!ISO_DATETIME.test(text)) return bad('an ISO-8601 datetime such as 2026-01-31T12:00:00Z');
          const impossible = impossibleDateTime(text);
          if (impossible !== undefined) return bad(`a real date or time (${impossible}: not a real date or time)`);
          return new Date(text);
        }
        case SimpleType.DURATION:
          return parseDuration(text) ?? bad('an ISO-8601 duration such as PT1H30M, or seconds');
        case SimpleType.NONE:
          return text === 'null' || text === '' ? null : bad('null');
        case SimpleType.BINARY:
          return new Uint8Array(Buffer.from(text, 'base64'));
        case SimpleType.STRUCT:
          return fromJson(lt, parseJson(text, display), path, cwd);
        default:
          return text;
      }
    case 'enumType':
      return t.value.values.includes(text) ? text : bad(`one of ${t.value.values.join(', ')}`);
    case 'blob': {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return { uri: text };
      const full = resolve(cwd, text);
      const multipart = t.value.dimensionality === BlobType_BlobDimensionality.MULTIPART;
      if (!existsSync(full)) bad(`an existing ${multipart ? 'directory' : 'file'} path or a URI`);
      if (multipart !== statSync(full).isDirectory()) bad(multipart ? 'a directory, not a file' : 'a file, not a directory');
      return { uri: full };
    }
    case 'structuredDatasetType':
      return { uri: /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : resolve(cwd, text) };
    case 'unionType':
      return fromJson(lt, looksLikeJson(text) ? parseJson(text, display) : text, path, cwd);
    default:
      return fromJson(lt, parseJson(text, display), path, cwd);
  }
}

/**
 * `Date` rolls an impossible calendar date over (2026-02-30 becomes March 2nd), so the fields are
 * checked first: a mistyped date is refused, never silently turned into another day.
 */
function impossibleDateTime(text: string): string | undefined {
  const m = ISO_DATETIME.exec(text)!;
  const [, y, mo, d, h, mi, s, offsetHours, offsetMinutes] = m.map((part) => (part === undefined ? undefined : Number(part)));
  const year = y!;
  const month = mo!;
  const day = d!;
  if (month < 1 || month > 12) return `month ${month}`;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return `day ${day} of ${year}-${String(month).padStart(2, '0')}, which has ${daysInMonth} days`;
  if (h !== undefined && h > 23) return `hour ${h}`;
  if (mi !== undefined && mi > 59) return `minute ${mi}`;
  if (s !== undefined && s > 59) return `second ${s}`;
  if (offsetHours !== undefined && offsetHours > 23) return `offset hour ${offsetHours}`;
  if (offsetMinutes !== undefined && offsetMinutes > 59) return `offset minute ${offsetMinutes}`;
  return undefined;
}

function parseDuration(text: string): { seconds: number; nanos: number } | undefined {
  if (/^-?\d+(\.\d+)?$/.test(text)) return secondsToDuration(Number(text));
  const m = ISO_DURATION.exec(text);
  if (!m || text === 'P' || text === 'PT' || text.endsWith('T')) return undefined;
  const [, sign, d = '0', h = '0', min = '0', s = '0'] = m;
  const total = Number(d) * 86400 + Number(h) * 3600 + Number(min) * 60 + Number(s);
  return secondsToDuration(sign ? -total : total);
}

function secondsToDuration(total: number): { seconds: number; nanos: number } {
  const seconds = Math.trunc(total);
  return { seconds, nanos: Math.round((total - seconds) * 1e9) };
}

function isStructured(lt: LiteralType): boolean {
  const t = lt.type;
  return t.case === 'collectionType' || t.case === 'mapValueType' || (t.case === 'simple' && t.value === SimpleType.STRUCT);
}

function parseJson(text: string, display: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputParseError(`is not valid JSON (${(error as Error).message}); ${display} is given as JSON, e.g. ${example(display)}`);
  }
}

function looksLikeJson(text: string): boolean {
  return /^\s*[[{"]/.test(text) || text === 'null';
}

function example(display: string): string {
  if (display.startsWith('list')) return `'[1, 2, 3]'`;
  if (display.startsWith('map') || display === 'struct' || display.startsWith('record')) return `'{"key": "value"}'`;
  return `'…'`;
}

function simpleName(type: SimpleType): string {
  return SimpleType[type]?.toLowerCase() ?? 'value';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
}
