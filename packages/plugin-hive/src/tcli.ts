/**
 * HiveServer2's TCLIService as hive-driver ships it (generated from TCLIService.thrift), with the
 * few shapes this package reads typed. The client (backend) and the test server both use this one
 * copy of the generated code, so they cannot disagree about the wire format.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface HiveDriverModule {
  readonly thrift: { readonly TCLIService: TcliServiceModule; readonly TCLIService_types: TcliTypes };
}

/** The generated service module: the client constructor and the Processor a server runs. */
export interface TcliServiceModule {
  readonly Processor: new (handler: object) => { process(input: unknown, output: unknown): void };
  readonly Client: unknown;
}

/** The generated enums and constants this package uses. */
export interface TcliTypes {
  readonly TProtocolVersion: Readonly<Record<string, number>>;
  readonly TStatusCode: {
    readonly SUCCESS_STATUS: number;
    readonly SUCCESS_WITH_INFO_STATUS: number;
    readonly STILL_EXECUTING_STATUS: number;
    readonly ERROR_STATUS: number;
    readonly INVALID_HANDLE_STATUS: number;
  };
  readonly TOperationState: {
    readonly INITIALIZED_STATE: number;
    readonly RUNNING_STATE: number;
    readonly FINISHED_STATE: number;
    readonly CANCELED_STATE: number;
    readonly CLOSED_STATE: number;
    readonly ERROR_STATE: number;
    readonly UKNOWN_STATE: number;
    readonly PENDING_STATE: number;
    readonly TIMEDOUT_STATE: number;
  };
  readonly TTypeId: Readonly<Record<string, number>>;
  readonly TOperationType: { readonly EXECUTE_STATEMENT: number };
  readonly TFetchOrientation: { readonly FETCH_NEXT: number; readonly FETCH_FIRST: number };
}

const hiveDriver = require('hive-driver') as HiveDriverModule;

export const TCLIService: TcliServiceModule = hiveDriver.thrift.TCLIService;
export const TCLI: TcliTypes = hiveDriver.thrift.TCLIService_types;

/** A 16-byte guid and secret, as THandleIdentifier carries them. */
export interface HandleIdentifier {
  readonly guid: Buffer;
  readonly secret: Buffer;
}

export interface SessionHandle {
  readonly sessionId: HandleIdentifier;
}

export interface OperationHandle {
  readonly operationId: HandleIdentifier;
  readonly operationType: number;
  readonly hasResultSet: boolean;
  readonly modifiedRowCount?: number;
}

export interface TStatus {
  readonly statusCode: number;
  readonly infoMessages?: readonly string[] | null;
  readonly sqlState?: string | null;
  readonly errorCode?: number | null;
  readonly errorMessage?: string | null;
}

/** A name of TOperationState, for messages and tables. */
export function operationStateName(state: number | null | undefined): string {
  const entry = Object.entries(TCLI.TOperationState).find(([, value]) => value === state);
  return entry?.[0] ?? `state ${String(state)}`;
}
