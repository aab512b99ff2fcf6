/**
 * Live progress of a run, on stderr so stdout carries only the result. On a terminal, one line per
 * node is redrawn in place (phase, elapsed time, log links); elsewhere each change is one plain line.
 * In-process function tasks finish too fast to be worth a line unless they fail or retry.
 * NO_COLOR turns colour off.
 */
import type { ExecutorEvent } from '@tflyte/core';

export interface ProgressOptions {
  readonly isTTY: boolean;
  readonly color: boolean;
  readonly write: (text: string) => void;
  readonly now?: () => number;
}

export function createProgress(options: ProgressOptions) {
  const now = options.now ?? Date.now;
  const started = new Map<string, number>();
  const quiet = new Set<string>();
  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  let lastLine = '';

  const line = (event: ExecutorEvent, text: string) => {
    const since = started.get(event.nodeId);
    const elapsed = since === undefined ? '' : ` ${((now() - since) / 1000).toFixed(1)}s`;
    const rendered = `${paint(2, `[${event.nodeId}]`)} ${event.task}: ${text}${paint(2, elapsed)}`;
    if (options.isTTY) {
      // Redraw only the node's own latest line; finished lines stay.
      options.write(`${lastLine === event.nodeId ? '\u001b[1A\u001b[2K' : ''}${rendered}\n`);
      lastLine = event.nodeId;
    } else {
      options.write(`${rendered}\n`);
      lastLine = '';
    }
  };

  return {
    onEvent(event: ExecutorEvent): void {
      switch (event.type) {
        case 'run-started':
          started.set(event.nodeId, event.at);
          if (event.inProcess) quiet.add(event.nodeId);
          return;
        case 'cache-hit':
          line(event, paint(36, 'cached'));
          return;
        case 'cache-wait':
          line(event, `waiting for ${event.owner} to compute the same inputs`);
          return;
        case 'attempt-reattached':
          line(event, `re-attached to attempt ${event.attempt} (${event.generatedName})`);
          return;
        case 'status-changed': {
          // SUCCEEDED is said once, by the run's own 'succeeded' event.
          if (quiet.has(event.nodeId) || event.phaseName === 'SUCCEEDED') return;
          const links = event.logs.map((l) => `${l.name}: ${l.uri}`).join(' ');
          line(event, `${paint(33, event.phaseName)}${event.message ? ` ${event.message}` : ''}${links ? ` ${paint(2, links)}` : ''}`);
          return;
        }
        case 'attempt-failed':
          line(event, `${paint(31, `attempt ${event.attempt} failed`)} (${event.kind}${event.retryable ? ', retryable' : ''}): ${event.message}`);
          return;
        case 'retry-scheduled':
          line(event, `retrying (attempt ${event.nextAttempt})`);
          return;
        case 'timed-out':
          line(event, paint(31, `timed out after ${event.timeoutMs / 1000}s`));
          return;
        case 'cancelled':
          line(event, paint(31, event.attempt === undefined ? 'cancelled' : `cancelled; attempt ${event.attempt} deleted`));
          return;
        case 'succeeded':
          if (!quiet.has(event.nodeId)) line(event, paint(32, 'SUCCEEDED'));
          return;
        default:
          return;
      }
    },
  };
}
