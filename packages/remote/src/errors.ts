/**
 * What can go wrong talking to a Flyte cluster, as typed errors with stable codes: bad
 * configuration (names the setting and where it came from), auth, a version registered with a
 * different body, and FlyteAdmin refusing a request.
 */
import { TflyteError } from '@tflyte/core';

export type RemoteErrorCode =
  | 'REMOTE_CONFIG'
  | 'REMOTE_AUTH'
  | 'REMOTE_VERSION_CONFLICT'
  | 'REMOTE_REQUEST'
  | 'REMOTE_EXECUTION_FAILED'
  | 'REMOTE_COMPILE';

export class RemoteError extends TflyteError {
  constructor(code: RemoteErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** A setting that is missing or malformed; `source` says where it was read (a file or an env var). */
export class RemoteConfigError extends RemoteError {
  readonly setting: string;
  constructor(setting: string, source: string, problem: string) {
    super('REMOTE_CONFIG', `${setting} (${source}) ${problem}`);
    this.setting = setting;
  }
}

/** The same entity and version already registered with another body: registration never overwrites. */
export class VersionConflictError extends RemoteError {
  readonly entity: string;
  constructor(kind: string, entity: string, version: string) {
    super(
      'REMOTE_VERSION_CONFLICT',
      `${kind} '${entity}' version '${version}' is already registered with a different body; ` +
        'registered versions are immutable: register under a new --version (or leave --version out to version by the code digest)',
    );
    this.entity = entity;
  }
}
