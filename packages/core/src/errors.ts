/**
 * Every error tflyte raises on purpose is a TflyteError with a stable `code`.
 * Codes are part of the public API: tools and tests match on them, never on messages.
 */

const BRAND = Symbol.for('tflyte.error');

/** The codes @tflyte/core raises. */
export type CoreErrorCode =
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
  | 'TFLYTE_CONFIG'
  | 'TFLYTE_USAGE'
  | 'TFLYTE_STATE_CONFLICT'
  | 'TFLYTE_STORAGE'
  | 'TFLYTE_NON_RETRYABLE'
  | 'TFLYTE_STATE_UNAVAILABLE';

/**
 * A stable error code: one of core's, or a plugin's own in SCREAMING_SNAKE_CASE with the plugin's
 * prefix (`ATHENA_QUERY_INPUT`, `SPARK_INVALID_CONF`). Codes are public API; messages are not.
 */
export type ErrorCode = CoreErrorCode | (string & {});

const CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/;

export class TflyteError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    if (!CODE.test(code)) throw new TypeError(`error code '${code}' must be SCREAMING_SNAKE_CASE with a prefix, e.g. 'ATHENA_BAD_QUERY'`);
    this.code = code;
    this.name = new.target.name;
  }

  // Plugins may bring their own copy of @tflyte/core. Every instance carries the names of the
  // classes it was built from under a global symbol, so `x instanceof BackendError` holds for a
  // BackendError of any copy (and for subclasses), not only for this copy's prototype chain.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const brands = (value as { [BRAND]?: unknown })[BRAND];
    if (!Array.isArray(brands)) return Function.prototype[Symbol.hasInstance].call(this, value);
    return brands.includes(this.name);
  }
}
Object.defineProperty(TflyteError.prototype, BRAND, {
  get(this: object): string[] {
    const names: string[] = [];
    for (let proto = Object.getPrototypeOf(this); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      const ctor = (proto as { constructor?: { name?: string } }).constructor;
      if (ctor?.name) names.push(ctor.name);
    }
    return names;
  },
});

/** Whether a value is a tflyte error with this code, from any copy of @tflyte/core. */
export function hasErrorCode(value: unknown, code: ErrorCode): value is TflyteError {
  return value instanceof TflyteError && value.code === code;
}

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

/** Whose fault a failure is: USER failures spend the task's `retries`, SYSTEM ones the executor's system budget. */
export type FailureKind = 'user' | 'system';

/** How an attempt failed: the one shape every backend, the executor and `tflyte execute` use. */
export interface FailureInfo {
  readonly kind: FailureKind;
  /** false for permanent failures (bad query, invalid spec): never retried. */
  readonly retryable: boolean;
  /** A short stable code, e.g. `OOMKilled`, `ThrottlingException`, `SYNTAX_ERROR`, `USER:ValueError`. */
  readonly code: string;
  readonly message: string;
  /** The earliest the next attempt may start, in ms from now (a service's Retry-After); the executor waits that long. */
  readonly retryAfterMs?: number;
}

/**
 * Thrown by a backend (or a task body) to fail an attempt with a stated classification: `kind` and
 * `retryable` drive the executor's retry budgets. Anything else thrown is classified by
 * `classifyError`.
 */
export class BackendError extends TflyteError {
  readonly failure: FailureInfo;
  constructor(failure: Omit<FailureInfo, 'message'> & { readonly message: string }, options?: { cause?: unknown }) {
    super('TFLYTE_BACKEND', failure.message, options);
    this.failure = { ...failure };
  }
}

/** Thrown from a task body to fail without retries (bad input data, a permanent condition). */
export class NonRetryableError extends TflyteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TFLYTE_NON_RETRYABLE', message, options);
  }
}

/** No plugin is registered for a task type; names the npm package to install when it is a known one. */
export class PluginNotFoundError extends TflyteError {
  readonly taskType: string;
  readonly taskTypeVersion: number;
  /** The package that provides this task type, when tflyte knows it. */
  readonly packageName: string | undefined;
  constructor(taskType: string, taskTypeVersion: number, packageName: string | undefined, registeredVersions: readonly number[] = []) {
    const fix =
      registeredVersions.length > 0
        ? `registered versions of '${taskType}': ${registeredVersions.join(', ')}; upgrade the plugin package or re-serialize the task`
        : packageName !== undefined
          ? `install ${packageName} and add it to \`plugins\` in tflyte.config.ts`
          : 'register a plugin for this task type in `plugins` of tflyte.config.ts';
    super('TFLYTE_PLUGIN_NOT_FOUND', `no plugin for task type '${taskType}' version ${taskTypeVersion}: ${fix}`);
    this.taskType = taskType;
    this.taskTypeVersion = taskTypeVersion;
    this.packageName = packageName;
  }
}

/** Two plugins claim the same (taskType, taskTypeVersion). */
export class PluginDuplicateError extends TflyteError {
  readonly taskType: string;
  readonly taskTypeVersion: number;
  constructor(taskType: string, taskTypeVersion: number, existing: string, incoming: string) {
    super(
      'TFLYTE_PLUGIN_DUPLICATE',
      `task type '${taskType}' version ${taskTypeVersion} is already registered by ${existing}; ${incoming} cannot register it too (pass { override: true } to replace it on purpose)`,
    );
    this.taskType = taskType;
    this.taskTypeVersion = taskTypeVersion;
  }
}

/** A plugin declares a `coreVersion` range that this @tflyte/core does not satisfy. */
export class PluginVersionMismatchError extends TflyteError {
  readonly packageName: string;
  readonly range: string;
  readonly coreVersion: string;
  constructor(packageName: string, range: string, coreVersion: string) {
    super(
      'TFLYTE_PLUGIN_VERSION_MISMATCH',
      `${packageName} requires @tflyte/core ${range}, but ${coreVersion} is installed: install a version of ${packageName} built for @tflyte/core ${coreVersion}`,
    );
    this.packageName = packageName;
    this.range = range;
    this.coreVersion = coreVersion;
  }
}

/** A plugin object is missing a field or has one of the wrong shape. */
export class PluginInvalidError extends TflyteError {
  readonly field: string;
  constructor(plugin: string, field: string, problem: string) {
    super('TFLYTE_PLUGIN_INVALID', `plugin ${plugin}: '${field}' ${problem}`);
    this.field = field;
  }
}

/** tflyte.config.* is missing a field, has one of the wrong shape, or cannot be loaded. */
export class ConfigError extends TflyteError {
  readonly path: string | undefined;
  readonly field: string | undefined;
  constructor(path: string | undefined, field: string | undefined, problem: string, options?: { cause?: unknown }) {
    super('TFLYTE_CONFIG', `${path ?? 'tflyte config'}${field === undefined ? '' : `: '${field}'`} ${problem}`, options);
    this.path = path;
    this.field = field;
  }
}

/**
 * The state store (or a file it points at) is damaged. tflyte never reuses or deletes it on its own:
 * the message names the file and how to move it aside.
 */
export class StateCorruptError extends TflyteError {
  readonly path: string;
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(
      'TFLYTE_STATE_CORRUPT',
      `state store ${path} is corrupt (${problem}). tflyte will not use or delete it: move it aside (mv '${path}' '${path}.corrupt') and run again to start a fresh store; jobs that were in flight will not be re-attached and may need to be stopped by hand`,
      options,
    );
    this.path = path;
  }
}

/** Stored state disagrees with the request, e.g. a run id reused for another task or a handle of another version. */
export class StateConflictError extends TflyteError {
  constructor(message: string) {
    super('TFLYTE_STATE_CONFLICT', message);
  }
}

/**
 * The state database exists and is sound, but this process cannot write it: the file or its
 * directory is read-only, or another process holds its lock past the busy timeout. Raised while the
 * store opens, so no task body has run and no result can be lost to a write that fails later.
 */
export class StateUnavailableError extends TflyteError {
  readonly path: string;
  readonly reason: 'read-only' | 'locked';
  constructor(path: string, reason: 'read-only' | 'locked', detail: string, options?: { cause?: unknown }) {
    super(
      'TFLYTE_STATE_UNAVAILABLE',
      reason === 'read-only'
        ? `state store ${path} cannot be written (${detail}): nothing ran. Make the file and its directory writable by this user, or set stateDir in tflyte.config.ts to a writable directory`
        : `state store ${path} is locked by another process (${detail}): nothing ran. Wait for the other tflyte to finish, or stop it, and run again`,
      options,
    );
    this.path = path;
    this.reason = reason;
  }
}

/** An object-store URI cannot be read or written (for example an unsupported scheme). */
export class StorageError extends TflyteError {
  readonly uri: string;
  constructor(uri: string, problem: string, options?: { cause?: unknown }) {
    super('TFLYTE_STORAGE', `${uri}: ${problem}`, options);
    this.uri = uri;
  }
}

/** A task failed for good: its last attempt failed and no retry budget of that kind is left. */
export class TaskFailedError extends TflyteError {
  readonly task: string;
  /** How the last attempt failed. */
  readonly failure: FailureInfo;
  /** How many attempts ran. */
  readonly attempts: number;
  constructor(init: { task: string; failure: FailureInfo; attempts: number }, options?: { cause?: unknown }) {
    const { kind, code, retryable, message } = init.failure;
    super(
      'TFLYTE_TASK_FAILED',
      `task '${init.task}' failed after ${init.attempts} attempt${init.attempts === 1 ? '' : 's'} (${kind} error ${code}${retryable ? '' : ', not retryable'}): ${message}`,
      options,
    );
    this.task = init.task;
    this.failure = init.failure;
    this.attempts = init.attempts;
  }
}

/** The task's last attempt ran past `timeout` and no user retry was left. */
export class TaskTimeoutError extends TflyteError {
  readonly task: string;
  readonly timeoutMs: number;
  readonly attempts: number;
  constructor(task: string, timeoutMs: number, attempts: number) {
    super(
      'TFLYTE_TIMEOUT',
      `task '${task}' timed out after ${timeoutMs} ms on attempt ${attempts} and has no retries left: raise the task's timeout or retries`,
    );
    this.task = task;
    this.timeoutMs = timeoutMs;
    this.attempts = attempts;
  }
}

/** The run was cancelled through its AbortSignal; every job it had started was deleted first. */
export class CancelledError extends TflyteError {
  readonly task: string;
  constructor(task: string, detail?: string, options?: { cause?: unknown }) {
    super('TFLYTE_CANCELLED', `task '${task}' was cancelled${detail === undefined ? '' : `: ${detail}`}`, options);
    this.task = task;
  }
}
