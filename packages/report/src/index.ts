export { HISTORY_DIR, MAX_RECORDED_ELEMENTS, historyFile, readRunHistory, recordRun } from './history.ts';
export type { HistoryLine, NodeCall, RecordRunOptions, RunHistory, RunRecorder } from './history.ts';
export { buildRunView } from './view.ts';
export type { AttemptView, ErrorView, MapView, NodeView, Outcome, RunView } from './view.ts';
export { MAX_CELLS, duration, renderReport } from './render.ts';
export { writeRunReport, runView } from './write-report.ts';
