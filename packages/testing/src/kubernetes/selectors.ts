/**
 * Label selectors (equality- and set-based, as in apimachinery/pkg/labels) and field selectors (=, ==, !=).
 * Parse errors are 400 BadRequest, as the API server answers them.
 */
import { badRequest } from './status.ts';
import type { KubeObject } from './types.ts';

export type Matcher = (obj: KubeObject) => boolean;

const KEY = String.raw`([A-Za-z0-9][-A-Za-z0-9_./]*)`;
const VALUE = String.raw`([-A-Za-z0-9_.]*)`;

function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function labelRequirement(text: string): (labels: Record<string, string>) => boolean {
  let m = new RegExp(`^!\\s*${KEY}$`).exec(text);
  if (m) {
    const key = m[1]!;
    return (labels) => !(key in labels);
  }
  m = new RegExp(`^${KEY}\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(text);
  if (m) {
    const [, key, op, list] = m as unknown as [string, string, string, string];
    const values = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in' ? (labels) => key in labels && values.has(labels[key]!) : (labels) => !(key in labels) || !values.has(labels[key]!);
  }
  m = new RegExp(`^${KEY}\\s*(==|=|!=)\\s*${VALUE}$`).exec(text);
  if (m) {
    const [, key, op, value] = m as unknown as [string, string, string, string];
    return op === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  m = new RegExp(`^${KEY}\\s*(>|<)\\s*(-?\\d+)$`).exec(text);
  if (m) {
    const [, key, op, bound] = m as unknown as [string, string, string, string];
    return (labels) => {
      const v = Number(labels[key]);
      return key in labels && Number.isInteger(v) && (op === '>' ? v > Number(bound) : v < Number(bound));
    };
  }
  m = new RegExp(`^${KEY}$`).exec(text);
  if (m) {
    const key = m[1]!;
    return (labels) => key in labels;
  }
  throw badRequest(`unable to parse requirement: found '${text}', expected: !, identifier, in, notin, =, ==, !=, gt or lt`);
}

export function parseLabelSelector(selector: string | null | undefined): Matcher {
  const requirements = splitTopLevel(selector ?? '').map(labelRequirement);
  return (obj) => {
    const labels = obj.metadata?.labels ?? {};
    return requirements.every((r) => r(labels));
  };
}

export type FieldGetter = (obj: KubeObject) => string | undefined;

/** `fields` maps each selectable field to its getter; metadata.name and metadata.namespace are always known. */
export function parseFieldSelector(selector: string | null | undefined, fields: Readonly<Record<string, FieldGetter>>): Matcher {
  const known: Record<string, FieldGetter> = {
    'metadata.name': (o) => o.metadata?.name ?? '',
    'metadata.namespace': (o) => o.metadata?.namespace ?? '',
    ...fields,
  };
  const requirements = splitTopLevel(selector ?? '').map((text): Matcher => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(text);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${text}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const get = known[field];
    if (get === undefined) throw badRequest(`field label not supported: ${field}`);
    return op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value;
  });
  return (obj) => requirements.every((r) => r(obj));
}
