/**
 * The connector's errors. Each has a stable code; the server turns them into gRPC status codes
 * (grpc-status.ts) and never sends a stack trace.
 */
import { TflyteError } from '@tflyte/core';

export type ConnectorErrorCode =
  | 'CONNECTOR_INVALID_REQUEST'
  | 'CONNECTOR_NOT_FOUND'
  | 'CONNECTOR_INVALID_RESOURCE_META'
  | 'CONNECTOR_CONFIG'
  | 'CONNECTOR_NOT_SYNC'
  | 'CONNECTOR_NOT_ASYNC';

/** A request is malformed: `field` names the request field, and the message says what to send. */
export class ConnectorRequestError extends TflyteError {
  readonly field: string;
  constructor(field: string, problem: string) {
    super('CONNECTOR_INVALID_REQUEST', `${field} ${problem}`);
    this.field = field;
  }
}

/** No plugin is served for this task category (flytekit's FlyteConnectorNotFound). */
export class ConnectorNotFoundError extends TflyteError {
  readonly taskType: string;
  readonly taskTypeVersion: number;
  constructor(taskType: string, taskTypeVersion: number, served: readonly string[]) {
    super(
      'CONNECTOR_NOT_FOUND',
      `Cannot find connector for task category: ${taskType}_v${taskTypeVersion}; this connector serves ${served.length === 0 ? 'nothing' : served.join(', ')}`,
    );
    this.taskType = taskType;
    this.taskTypeVersion = taskTypeVersion;
  }
}

/** resource_meta is not one this connector wrote, or was written for another backend or handle version. */
export class ResourceMetaError extends TflyteError {
  constructor(problem: string) {
    super('CONNECTOR_INVALID_RESOURCE_META', `resource_meta ${problem}`);
  }
}

/** The category is served, but by the other service (async via CreateTask, sync via ExecuteTaskSync). */
export class ConnectorModeError extends TflyteError {
  constructor(code: 'CONNECTOR_NOT_SYNC' | 'CONNECTOR_NOT_ASYNC', category: string) {
    super(
      code,
      code === 'CONNECTOR_NOT_SYNC'
        ? `task category ${category} is served asynchronously: call AsyncAgentService.CreateTask`
        : `task category ${category} is served synchronously: call SyncAgentService.ExecuteTaskSync`,
    );
  }
}

/** Options of the server or of connectorBackend are invalid; `option` names the one to fix. */
export class ConnectorConfigError extends TflyteError {
  readonly option: string;
  constructor(option: string, problem: string) {
    super('CONNECTOR_CONFIG', `connector option '${option}' ${problem}`);
    this.option = option;
  }
}
