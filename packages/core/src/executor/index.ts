export { createExecutor, newRunId, DEFAULT_NODE_ID, DEFAULT_SYSTEM_RETRIES } from './executor.ts';
export type { ArrayRunOptions, Executor, ExecutorOptions, RunOptions } from './executor.ts';
export type { ElementResult } from './run-elements.ts';
export { systemClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { DEFAULT_POLL, attemptPrefix, idempotencyToken } from './attempt.ts';
export { cacheKey, deterministicBytes } from './cache-key.ts';
export { FAILURE_CODES } from './failure.ts';
export { generatedName, fixedLengthUniqueId, toDns1123, GENERATED_NAME_MAX_LENGTH } from './generated-name.ts';
export { classifyPhase, phaseName } from './phases.ts';
export type { PhaseClass } from './phases.ts';
export type {
  ExecutorEvent,
  ExecutorEventListener,
  ExecutorEventType,
  EventBase,
  RunStartedEvent,
  CacheHitEvent,
  CacheMissEvent,
  CacheWaitEvent,
  CacheLockTakenOverEvent,
  CacheWriteEvent,
  AttemptCreatedEvent,
  AttemptStartedEvent,
  AttemptReattachedEvent,
  StatusChangedEvent,
  AttemptFailedEvent,
  RetryScheduledEvent,
  TimedOutEvent,
  CleanupFailedEvent,
  CancelledEvent,
  SucceededEvent,
  FailedEvent,
} from './events.ts';
