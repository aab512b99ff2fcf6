/**
 * Live progress of a run, on stderr so stdout carries only the result. On a terminal, one line per
 * node is redrawn in place (phase, elapsed time ticking between events, log links), each cut to the
 * terminal's width so a redraw never leaves wrapped fragments behind; elsewhere each change is one
 * plain line, uncut. In-process function tasks finish too fast to be worth a line unless they fail
 * or retry. NO_COLOR turns colour off.
 */
import type { ExecutorEvent } from '@tflyte/core';

export interface ProgressOptions {
  readonly isTTY: boolean;
  readonly color: boolean;
  readonly write: (text: string) => void;
  readonly now?: () => number;
  /** The terminal's width, read at each redraw (it may be resized); default stderr's, or 80. */
  readonly columns?: () => number | undefined;
  /**
   * Calls `tick` about once a second until the returned stop is called (`everySecond`), so the elapsed
   * time of a live line ticks between events. Without it the line changes only on events: a caller
   * that prints anything else to the same stream must then print it through `note`, or a tick would
   * redraw over it.
   */
  readonly every?: (tick: () => void) => () => void;
}

const TICK_MS = 1000;
const SAID_BY_OWN_EVENT = new Set(['SUCCEEDED', 'FAILED', 'RETRYABLE_FAILED']);
export const everySecond = (tick: () => void): (() => void) => {
  const timer = setInterval(tick, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
};

export function createProgress(options: ProgressOptions) {
  const now = options.now ?? Date.now;
  // A terminal that does not report its size (0 columns, as a pseudo-terminal without a window may) is taken as 80 wide.
  const columns = () => {
    const width = options.columns?.() ?? process.stderr.columns;
    return width !== undefined && width > 0 ? width : 80;
  };
  const started = new Map<string, number>();
  const quiet = new Set<string>();
  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  /** The node whose line is the last one on screen, and how to draw it again (while it is live). */
  let last: { nodeId: string; redraw: (() => void) | undefined } | undefined;
  let stopTicking: (() => void) | undefined;

  const render = (event: ExecutorEvent, parts: readonly Part[]): string => {
    const since = started.get(event.nodeId);
    const elapsed = since === undefined ? '' : ` ${((now() - since) / 1000).toFixed(1)}s`;
    const all: Part[] = [[2, `[${event.nodeId}]`], [0, ` ${event.task}: `], ...parts];
    if (!options.isTTY) return [...all, [2, elapsed] as const].map(([code, text]) => (code === 0 ? text : paint(code, text))).join('');
    // The message is what gets cut: the elapsed time, which ticks, stays at the end of the row.
    const width = columns();
    const keep = elapsed !== '' && elapsed.length * 3 < width;
    return keep ? `${fit(all, width - elapsed.length, paint)}${paint(2, elapsed)}` : fit([...all, [2, elapsed]], width, paint);
  };

  const line = (event: ExecutorEvent, parts: readonly Part[], live = false) => {
    if (options.isTTY) {
      const draw = () => {
        // Redraw only the node's own latest line, which is one row: finished lines stay.
        options.write(`${last?.nodeId === event.nodeId ? '\u001b[1A\u001b[2K' : ''}${render(event, parts)}\n`);
        last = { nodeId: event.nodeId, redraw: live ? draw : undefined };
      };
      draw();
      if (live && options.every !== undefined) stopTicking ??= options.every(() => last?.redraw?.());
    } else {
      options.write(`${render(event, parts)}\n`);
      last = undefined;
    }
  };

  /** Text from the run itself (a cancel notice): printed below the progress lines, never redrawn over. */
  const note = (text: string) => {
    options.write(`${text}\n`);
    last = undefined;
  };

  return {
    note,
    /** Stops the elapsed-time ticker (the run ended). */
    stop(): void {
      stopTicking?.();
      stopTicking = undefined;
      if (last !== undefined) last = { ...last, redraw: undefined };
    },
    onEvent(event: ExecutorEvent): void {
      switch (event.type) {
        case 'run-started':
          started.set(event.nodeId, event.at);
          if (event.inProcess) quiet.add(event.nodeId);
          return;
        case 'cache-hit':
          line(event, [[36, 'cached']]);
          return;
        case 'cache-wait':
          line(event, [[0, `waiting for ${event.owner} to compute the same inputs`]], true);
          return;
        case 'attempt-reattached':
          line(event, [[0, `re-attached to attempt ${event.attempt} (${event.generatedName})`]], true);
          return;
        case 'status-changed': {
          // SUCCEEDED is said once, by the run's own 'succeeded' event, and a failure once, by 'attempt-failed'
          // (which says whether it is retried).
          if (quiet.has(event.nodeId) || SAID_BY_OWN_EVENT.has(event.phaseName)) return;
          const links = event.logs.map((l) => `${l.name}: ${l.uri}`).join(' ');
          line(
            event,
            [
              [33, event.phaseName],
              [0, event.message ? ` ${event.message}` : ''],
              [2, links ? ` ${links}` : ''],
            ],
            true,
          );
          return;
        }
        case 'attempt-failed':
          line(event, [
            [31, `attempt ${event.attempt} failed`],
            [0, ` (${event.kind}${event.retryable ? ', retryable' : ''}): ${event.message}`],
          ]);
          return;
        case 'retry-scheduled':
          line(event, [[0, `retrying (attempt ${event.nextAttempt})`]], true);
          return;
        case 'timed-out':
          line(event, [[31, `timed out after ${event.timeoutMs / 1000}s`]]);
          return;
        case 'cancelled':
          line(event, [[31, event.attempt === undefined ? 'cancelled' : `cancelled; attempt ${event.attempt} deleted`]]);
          return;
        case 'succeeded':
          if (!quiet.has(event.nodeId)) line(event, [[32, 'SUCCEEDED']]);
          return;
        default:
          return;
      }
    },
  };
}

/** A run of text and its colour code (0: none). */
type Part = readonly [code: number, text: string];

/** The parts painted, cut to one row of `width` columns with an ellipsis (colour codes take none). */
function fit(parts: readonly Part[], width: number, paint: (code: number, text: string) => string): string {
  // One column is left free: a terminal that auto-wraps may wrap a line that fills the row exactly.
  let room = Math.max(1, width - 1);
  let out = '';
  for (const [code, text] of parts) {
    if (text === '') continue;
    const chars = [...text];
    const cut = chars.length > room;
    const shown = cut ? `${chars.slice(0, Math.max(0, room - 1)).join('')}…` : text;
    out += code === 0 ? shown : paint(code, shown);
    room -= cut ? room : chars.length;
    if (room <= 0) break;
  }
  return out;
}
