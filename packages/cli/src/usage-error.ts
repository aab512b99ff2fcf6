/**
 * Exit codes and the error a user's mistake on the command line raises. Usage errors print as one
 * line; stacks print only with --verbose.
 */
import { TflyteError } from '@tflyte/core';

export const EXIT = {
  ok: 0,
  /** The task ran and failed. */
  taskFailed: 1,
  /** Bad command line or bad input values: nothing ran. */
  usage: 2,
  /** A bug or an environment problem in tflyte itself. */
  internal: 70,
  /**
   * The state store cannot be written now (read-only, or locked by another run): nothing ran, so
   * running again once it is writable is safe. sysexits' EX_TEMPFAIL.
   */
  stateUnavailable: 75,
  /** Cancelled by Ctrl-C; remote jobs were deleted. */
  cancelled: 130,
} as const;

export class UsageError extends TflyteError {
  constructor(message: string) {
    super('TFLYTE_USAGE', message);
  }
}

/**
 * The exit code for an error that reached the top of a command, by its stable code: the one place
 * that maps failures to exit codes, so `tflyte run` and `tflyte execute` agree.
 */
export function exitCodeOf(error: unknown): number {
  const code = error instanceof TflyteError ? error.code : undefined;
  switch (code) {
    case 'TFLYTE_STATE_UNAVAILABLE':
      return EXIT.stateUnavailable;
    case 'TFLYTE_TASK_FAILED':
    case 'TFLYTE_TIMEOUT':
    case 'TFLYTE_MAP_FAILED':
    case 'TFLYTE_INVALID_OUTPUT':
    case 'TFLYTE_BACKEND':
      return EXIT.taskFailed;
    case 'TFLYTE_CANCELLED':
      return EXIT.cancelled;
    case 'TFLYTE_INVALID_OPTION':
    case 'TFLYTE_INVALID_SCHEMA':
    case 'TFLYTE_INVALID_INPUT':
    case 'TFLYTE_LITERAL_MISMATCH':
    case 'TFLYTE_CONFIG':
    case 'TFLYTE_PLUGIN_NOT_FOUND':
    case 'TFLYTE_PLUGIN_DUPLICATE':
    case 'TFLYTE_PLUGIN_VERSION_MISMATCH':
    case 'TFLYTE_PLUGIN_INVALID':
    case 'TFLYTE_STATE_CORRUPT':
    case 'TFLYTE_STATE_CONFLICT':
    case 'TFLYTE_STORAGE':
    case 'TFLYTE_USAGE':
      return EXIT.usage;
    default:
      return EXIT.internal;
  }
}
