// The public API of @tflyte/core. Everything a user or plugin author imports comes from here.

// Errors
export {
  TflyteError,
  InvalidOptionError,
  InvalidSchemaError,
  TypeMismatchError,
  InvalidInputError,
  InvalidOutputError,
  BackendError,
  PluginNotFoundError,
  PluginDuplicateError,
  PluginVersionMismatchError,
  PluginInvalidError,
  ConfigError,
  StateCorruptError,
  StateConflictError,
  StorageError,
  TaskFailedError,
  TaskTimeoutError,
  CancelledError,
  NonRetryableError,
  StateUnavailableError,
  hasErrorCode,
} from './errors.ts';
export type { ErrorCode, CoreErrorCode, FailureInfo, FailureKind } from './errors.ts';

// The type system (implementation classes stay internal)
export { t } from './types/t.ts';
export type { BlobOptions, DatasetOptions } from './types/t.ts';
export type {
  FlyteType,
  Infer,
  InferInputs,
  TypeKind,
  TypeRecord,
  AnyType,
  FlyteFile,
  FlyteDirectory,
  StructuredDatasetRef,
  Duration,
  JsonValue,
  JsonObject,
  StandardSchemaV1,
  StandardResult,
} from './types/flyte-type.ts';
export type { FlyteListType, FlyteMapType } from './types/collections.ts';
export type { FlyteEnumType } from './types/enum.ts';
export type { FlyteUnionType, FlyteOptionalType } from './types/union.ts';
export type { FlyteFileType, FlyteDirectoryType, FlyteDatasetType } from './types/blobs.ts';
export { isFlyteType } from './types/base.ts';
export { setOwn, getOwn } from './types/own-key.ts';
export { unionTag } from './types/union.ts';
export { toLiteralMap, fromLiteralMap } from './types/literal-map.ts';
export { typeFromLiteralType, describeLiteralType } from './types/from-literal-type.ts';
export { literalTypeEquals } from './types/literal-type-equals.ts';
export { describeLiteral } from './types/literals.ts';
export { UnknownFieldError, AmbiguousUnionError } from './types/type-errors.ts';

// Authoring
export { task } from './task/function-task.ts';
export type { TaskOptions, TaskFunctionInputs } from './task/function-task.ts';
export { defineTask, isTask, checkCall, TaskExecutionError } from './task/define-task.ts';
export type { Task, TaskDefinition, TaskKind, TaskTarget, TargetContext, DefineTaskInit } from './task/define-task.ts';
export { markTaskFactoryModule } from './task/caller-module.ts';
export type { DefinitionSite } from './task/caller-module.ts';
export type {
  CommonTaskOptions,
  CacheOptions,
  ResourceSpec,
  Accelerator,
  SecretRequest,
  PodTemplateOptions,
  NormalizedOptions,
} from './task/options.ts';
export type { OutputSpec, InferOutput } from './task/outputs.ts';
export { withRunner, currentRunner } from './task/run-context.ts';
export type { TaskRunner } from './task/run-context.ts';

// Serialization
export { parseQuantity, toQuantity } from './task/quantity.ts';
export { functionPlugin, functionBackend, functionTasks, FUNCTION_TASK_TYPE, FUNCTION_BACKEND_NAME } from './task/function-plugin.ts';
export { toTaskTemplate, taskTemplateToBinary, taskTemplateToJson, SDK_VERSION, SDK_FLAVOR } from './serialize/task-template.ts';
export type { SerializeOptions } from './serialize/task-template.ts';
export { containerTarget, buildContainer } from './serialize/container.ts';
export type { ContainerParts } from './serialize/container.ts';
export { entrypointArgs, ENTRYPOINT } from './serialize/function-target.ts';

// Flyte's command templates, and values as its Go components print them
export { renderTemplate, inputReferences, perRetryUniqueKey } from './template/render-template.ts';
export type { TemplateValues } from './template/render-template.ts';
export { formatPrimitiveGo } from './template/primitive-text.ts';
export { formatFloatGo, formatFloatPlain, formatDurationGo, formatTimestampGo, durationNanos } from './template/go-format.ts';

// The plugin contract
export { definePlugin } from './plugin/define-plugin.ts';
export type { Plugin, PluginSpec, PluginDefinition, PluginTaskInit, TaskBody, DefinedTask } from './plugin/define-plugin.ts';
export { isSyncBackend } from './plugin/contract.ts';
export type {
  Backend,
  SyncBackend,
  AsyncBackend,
  PollPolicy,
  StatusCheckPolicy,
  TaskStatus,
  AttemptContext,
  LogLink,
  TargetKind,
} from './plugin/contract.ts';
export { protoCustom, noConfig } from './plugin/config-codec.ts';
export type { ConfigCodec, EncodedConfig } from './plugin/config-codec.ts';
export { Phase, queued, waitingForResources, initializing, running, succeeded, failed, failure, aborted } from './plugin/status.ts';
export { classifyError, failureFromStatus, failureFromErrorDocument, errorDocumentFields, FAILURE_CODES } from './executor/failure.ts';
export type { ErrorOrigin } from './executor/failure.ts';

// Flyte copilot's data files for raw-container tasks: inputs laid out for a container, outputs read back
export { createDataDirs } from './copilot/data-dirs.ts';
export { materializeInputs } from './copilot/materialize-inputs.ts';
export type { InputLayout } from './copilot/materialize-inputs.ts';
export { readOutputs } from './copilot/read-outputs.ts';
export type { OutputLayout, OutputsResult } from './copilot/read-outputs.ts';
// A state store in memory, for runs nothing re-attaches to (direct calls, backend tests)
export { createMemoryStateStore } from './store/memory-store.ts';

// Composition
export { workflow, WORKFLOW_TYPE } from './workflow/workflow.ts';
export type { WorkflowOptions } from './workflow/workflow.ts';
export { mapTask, MapTaskFailedError, DEFAULT_MAP_CONCURRENCY } from './workflow/map-task.ts';
export type { MapTaskOptions, MappedInputs } from './workflow/map-task.ts';

// Running: registry, state, storage, executor, sessions
export { createRegistry, CORE_VERSION } from './plugin/registry.ts';
export type { PluginRegistry, RegisterOptions, CreateRegistryOptions } from './plugin/registry.ts';
export { defineConfig, validateConfig, loadConfig, findConfigFile, CONFIG_FILES, DEFAULT_STATE_DIR } from './config/index.ts';
export type { TflyteConfig, LoadedConfig } from './config/index.ts';
export { openStateStore, STATE_DB_FILE } from './store/index.ts';
export type { StateStore } from './store/index.ts';
export { createStorage, createFileStore, joinUri, uriScheme, toLocalPath } from './storage/index.ts';
export type { ObjectStore, Storage } from './storage/index.ts';
export { createExecutor, newRunId, DEFAULT_SYSTEM_RETRIES } from './executor/executor.ts';
export { fixedLengthUniqueId } from './executor/generated-name.ts';
export type { AbandonedJob, Executor, ExecutorOptions, RunOptions } from './executor/executor.ts';
export { systemClock } from './executor/clock.ts';
export { isTerminalPhase, phaseName } from './executor/phases.ts';
export type { Clock } from './executor/clock.ts';
export type { ExecutorEvent, ExecutorEventListener, ExecutorEventType } from './executor/events.ts';
export { openSession } from './session/open-session.ts';
export type { Session, OpenSessionOptions, StartRunRequest, StartedRun } from './session/open-session.ts';
export type { RunJournal, RunRecord, RunStatus } from './session/run-journal.ts';
export type { RunIdentity } from './session/run-identity.ts';
export { executorRunner, LOCAL_IMAGE } from './session/executor-runner.ts';
export type { ExecutorRunnerOptions } from './session/executor-runner.ts';

// Array runs (Flyte's ArrayNode): executor.runArray and TaskRunner.runMap
export type { ArrayRunOptions } from './executor/executor.ts';
export type { ElementResult } from './executor/run-elements.ts';
export type { MapRunOptions } from './task/run-context.ts';

// Flyte Decks: HTML a task writes about its own work (deck.html on a cluster, the run report locally)
export { Deck, DEFAULT_DECK, collectDecks, currentDeck, deckPage, DECK_CSS, DECK_FILE_NAME, escapeHtml } from './deck/index.ts';
export { renderCode, renderImage, renderJson, renderMarkdown, renderTable } from './deck/index.ts';
export type { CollectedDecks, DeckRecord, TableOptions } from './deck/index.ts';

// Checkpoints: a task's progress saved by one attempt and read by the next (flytekit's SyncCheckpoint layout)
export { CHECKPOINT_OBJECT, currentCheckpoint, storageCheckpoint, withCheckpoint } from './checkpoint/index.ts';
export type { Checkpoint, CheckpointLocations } from './checkpoint/index.ts';
export { resolveOffloadedLiterals } from './types/offloaded.ts';
export type { ReadObject } from './types/offloaded.ts';
