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
  /** Cancelled by Ctrl-C; remote jobs were deleted. */
  cancelled: 130,
} as const;

export class UsageError extends TflyteError {
  constructor(message: string) {
    super('TFLYTE_USAGE', message);
  }
}
