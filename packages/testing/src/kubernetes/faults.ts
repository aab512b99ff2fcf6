/** Injected failures: make matching requests answer with a chosen Status (quota errors, 500s, throttling…). */
import { failure, type KubeStatus } from './status.ts';

export interface FaultRule {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /** Exact URL path, or a pattern tested against it (any when omitted). */
  path?: string | RegExp;
  /** How many matching requests fail; default 1. */
  times?: number;
  code: number;
  reason?: string;
  message?: string;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class FaultInjector {
  readonly #rules: { rule: FaultRule; remaining: number }[] = [];

  add(rule: FaultRule): void {
    this.#rules.push({ rule, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** The Status to answer with, consuming one use of the first matching rule. */
  take(method: string, path: string): KubeStatus | undefined {
    const entry = this.#rules.find(({ rule }) => {
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
      if (rule.path === undefined) return true;
      return typeof rule.path === 'string' ? rule.path === path : rule.path.test(path);
    });
    if (entry === undefined) return undefined;
    if (--entry.remaining === 0) this.#rules.splice(this.#rules.indexOf(entry), 1);
    const { code, reason, message } = entry.rule;
    return failure(code, reason ?? REASONS[code] ?? 'Unknown', message ?? `injected failure for ${method} ${path}`).status;
  }
}
