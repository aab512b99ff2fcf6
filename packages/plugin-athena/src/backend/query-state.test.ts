// The state table on its own, for the rows a real server cannot produce (every row is also
// exercised against the test server in athena-backend.test.ts).
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { describe, expect, it } from 'vitest';
import { consoleUrl, queryState } from './query-state.ts';

const id = 'c0ffee00-0000-4000-8000-000000000001';

describe('queryState', () => {
  it('fails, rather than polls forever, on a state it does not know', () => {
    for (const State of ['PAUSED', undefined]) {
      const state = queryState({ QueryExecutionId: id, Status: State === undefined ? {} : { State: State as never } });
      expect(state.phase).toBe(TaskExecution_Phase.FAILED);
      expect(state.failure).toMatchObject({ kind: 'system', retryable: false, code: 'UnknownQueryState' });
      expect(state.message).toContain(State === undefined ? 'in state null' : 'in state "PAUSED"');
    }
  });

  it('fails with Flyte’s default (a retryable user failure) when Athena sends no AthenaError', () => {
    expect(queryState({ QueryExecutionId: id, Status: { State: 'FAILED', StateChangeReason: 'Query exhausted resources' } })).toEqual({
      phase: TaskExecution_Phase.RETRYABLE_FAILED,
      message: `Athena query ${id} failed: Query exhausted resources`,
      failure: { kind: 'user', retryable: true, code: 'QueryFailed', message: `Athena query ${id} failed: Query exhausted resources` },
    });
  });

  it('codes a failure by the reason’s error name, else by the AthenaError type', () => {
    const failed = (StateChangeReason: string | undefined, ErrorType?: number) =>
      queryState({
        Status: {
          State: 'FAILED',
          ...(StateChangeReason === undefined ? {} : { StateChangeReason }),
          AthenaError: { ErrorCategory: 2, ErrorType, ErrorMessage: 'msg' },
        },
      }).failure?.code;
    expect(failed('SYNTAX_ERROR: line 1:8: mismatched input')).toBe('SYNTAX_ERROR');
    expect(failed('something went wrong', 1001)).toBe('ATHENA_ERROR_1001');
    expect(failed(undefined)).toBe('QueryFailed');
  });

  it('reports a CANCELLED query without a reason', () => {
    expect(queryState({ QueryExecutionId: id, Status: { State: 'CANCELLED' } }).message).toBe(
      `Athena query ${id} was cancelled outside tflyte`,
    );
  });
});

describe('consoleUrl', () => {
  it('links to the query in the Athena console of its region', () => {
    expect(consoleUrl('us-east-2', id)).toBe(
      `https://us-east-2.console.aws.amazon.com/athena/home?region=us-east-2#/query-editor/history/${id}`,
    );
    expect(consoleUrl('us-gov-west-1', id)).toBe(
      `https://console.amazonaws-us-gov.com/athena/home?region=us-gov-west-1#/query-editor/history/${id}`,
    );
    expect(consoleUrl('cn-north-1', id)).toBe(
      `https://cn-north-1.console.amazonaws.cn/athena/home?region=cn-north-1#/query-editor/history/${id}`,
    );
  });
});
