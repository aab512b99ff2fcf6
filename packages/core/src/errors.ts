/**
 * Every error tflyte raises on purpose is a TflyteError with a stable `code`.
 * Codes are part of the public API: tools and tests match on them, never on messages.
 */

const BRAND = Symbol.for('tflyte.error');

export type ErrorCode =
  | 'TFLYTE_INVALID_OPTION'
  | 'TFLYTE_INVALID_SCHEMA'
  | 'TFLYTE_INVALID_INPUT'
  | 'TFLYTE_INVALID_OUTPUT'
  | 'TFLYTE_LITERAL_MISMATCH'
  | 'TFLYTE_TASK_FAILED'
  | 'TFLYTE_PLUGIN_NOT_FOUND'
  | 'TFLYTE_PLUGIN_DUPLICATE'
  | 'TFLYTE_PLUGIN_VERSION_MISMATCH'
  | 'TFLYTE_PLUGIN_INVALID'
  | 'TFLYTE_BACKEND'
  | 'TFLYTE_TIMEOUT'
  | 'TFLYTE_CANCELLED'
  | 'TFLYTE_STATE_CORRUPT'
  | 'TFLYTE_MAP_FAILED'
  | 'TFLYTE_CONFIG';

export class TflyteError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  // Plugins may bring their own copy of @tflyte/core; a symbol brand keeps `x instanceof TflyteError`
  // working across copies. Subclasses keep the ordinary prototype check.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== TflyteError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && BRAND in value;
  }
}
Object.defineProperty(TflyteError.prototype, BRAND, { value: true });

/** A task option is invalid; raised when the task is defined, naming the option. */
export class InvalidOptionError extends TflyteError {
  readonly task: string;
  readonly option: string;
  constructor(task: string, option: string, problem: string) {
    super('TFLYTE_INVALID_OPTION', `task '${task}': option '${option}' ${problem}`);
    this.task = task;
    this.option = option;
  }
}

/** A schema (type declaration) cannot be represented in Flyte's type system. */
export class InvalidSchemaError extends TflyteError {
  constructor(message: string) {
    super('TFLYTE_INVALID_SCHEMA', message);
  }
}

/** A value does not match its declared type. `path` names the field, e.g. `values[2]`. */
export class TypeMismatchError extends TflyteError {
  readonly path: string;
  readonly expected: string;
  constructor(path: string, expected: string, got: string) {
    super('TFLYTE_LITERAL_MISMATCH', `${path || 'value'}: expected ${expected}, got ${got}`);
    this.path = path;
    this.expected = expected;
  }
}

/** A call to a task with missing, unknown or ill-typed inputs. */
export class InvalidInputError extends TflyteError {
  readonly task: string;
  readonly field: string | undefined;
  constructor(task: string, field: string | undefined, problem: string, options?: { cause?: unknown }) {
    super('TFLYTE_INVALID_INPUT', `task '${task}'${field === undefined ? '' : `, input '${field}'`}: ${problem}`, options);
    this.task = task;
    this.field = field;
  }
}

/** A task returned values that do not match its declared outputs. */
export class InvalidOutputError extends TflyteError {
  readonly task: string;
  readonly field: string | undefined;
  constructor(task: string, field: string | undefined, problem: string, options?: { cause?: unknown }) {
    super('TFLYTE_INVALID_OUTPUT', `task '${task}'${field === undefined ? '' : `, output '${field}'`}: ${problem}`, options);
    this.task = task;
    this.field = field;
  }
}

/** Describes a JS value briefly for error messages, without dumping large structures. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid Date' : 'Date';
  if (value instanceof Uint8Array) return 'Uint8Array';
  switch (typeof value) {
    case 'string': {
      const s = value.length > 40 ? `${value.slice(0, 37)}...` : value;
      return `string ${JSON.stringify(s)}`;
    }
    case 'number':
      return `number ${value}`;
    case 'bigint':
      return `bigint ${value}`;
    case 'boolean':
      return `boolean ${value}`;
    case 'function':
      return 'function';
    case 'object':
      return 'object';
    default:
      return typeof value;
  }
}

/**
 * Thrown by a backend's create / get / delete. `kind` and `retryable` drive the executor's retry
 * budgets: user errors spend the task's retries, system errors a separate budget, permanent none.
 */
export class BackendError extends TflyteError {
  readonly kind: 'user' | 'system';
  readonly retryable: boolean;
  readonly reason: string;
  constructor(
    init: { kind: 'user' | 'system'; retryable: boolean; reason: string; message: string },
    options?: { cause?: unknown },
  ) {
    super('TFLYTE_BACKEND', init.message, options);
    this.kind = init.kind;
    this.retryable = init.retryable;
    this.reason = init.reason;
  }
}
