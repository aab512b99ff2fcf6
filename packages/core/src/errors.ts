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
  | 'TFLYTE_CONFIG'
  | 'TFLYTE_USAGE'
  | 'TFLYTE_STATE_CONFLICT'
  | 'TFLYTE_STORAGE';

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
  readonly kind: 'user' | 'system';
  /** The failure code of the last attempt, e.g. `OOMKilled`, `USER:ValueError`. */
  readonly failureCode: string;
  readonly retryable: boolean;
  /** How many attempts ran. */
  readonly attempts: number;
  constructor(
    init: { task: string; kind: 'user' | 'system'; code: string; message: string; retryable: boolean; attempts: number },
    options?: { cause?: unknown },
  ) {
    super(
      'TFLYTE_TASK_FAILED',
      `task '${init.task}' failed after ${init.attempts} attempt${init.attempts === 1 ? '' : 's'} (${init.kind} error ${init.code}${init.retryable ? '' : ', not retryable'}): ${init.message}`,
      options,
    );
    this.task = init.task;
    this.kind = init.kind;
    this.failureCode = init.code;
    this.retryable = init.retryable;
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
