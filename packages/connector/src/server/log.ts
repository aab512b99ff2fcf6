/**
 * Structured logs: one JSON object a line. Entries carry identities and outcomes only (operation,
 * task type, attempt name, gRPC code, duration) — never a template, inputs, environment variables
 * or resource meta, which may hold secrets.
 */
export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly operation?: string;
  readonly taskType?: string;
  readonly taskTypeVersion?: number;
  readonly generatedName?: string;
  readonly grpcCode?: string;
  readonly errorCode?: string;
  readonly durationMs?: number;
  readonly [field: string]: string | number | boolean | undefined;
}

export type Logger = (entry: LogEntry) => void;

/** JSON lines on stderr, each with an ISO timestamp. */
export const stderrLogger: Logger = (entry) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};
