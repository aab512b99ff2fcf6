export type { HistoryLine, NodeCall, RecordRunOptions, RunHistory, RunRecorder } from './history.ts';
export { HISTORY_DIR, historyFile, MAX_DECK_CHARS, MAX_RECORDED_ELEMENTS, readRunHistory, recordRun } from './history.ts';
export { duration, MAX_CELLS, renderReport } from './render.ts';
export type { RunSummary } from './summary.ts';
export { summarizeRun } from './summary.ts';
export type { AttemptView, ErrorView, MapFailureView, MapView, NodeView, Outcome, RunView } from './view.ts';
export { buildRunView } from './view.ts';
export { runView, writeRunReport } from './write-report.ts';
