// The public API of @tflyte/core. Everything a user or plugin author imports comes from here.

export type { Checkpoint, CheckpointLocations } from './checkpoint/index.ts';
// Checkpoints: a task's progress saved by one attempt and read by the next (flytekit's SyncCheckpoint layout)
export { CHECKPOINT_OBJECT, currentCheckpoint, storageCheckpoint, withCheckpoint } from './checkpoint/index.ts';
export type { LoadedConfig, TflyteConfig } from './config/index.ts';
export { CONFIG_FILES, DEFAULT_STATE_DIR, defineConfig, findConfigFile, loadConfig, validateConfig } from './config/index.ts';
// Flyte copilot's data files for raw-container tasks: inputs laid out for a container, outputs read back
export { createDataDirs } from './copilot/data-dirs.ts';
export type { InputLayout } from './copilot/materialize-inputs.ts';
export { materializeInputs } from './copilot/materialize-inputs.ts';
export type { OutputLayout, OutputsResult } from './copilot/read-outputs.ts';
export { readOutputs } from './copilot/read-outputs.ts';
export type { CollectedDecks, DeckRecord, TableOptions } from './deck/index.ts';
// Flyte Decks: HTML a task writes about its own work (deck.html on a cluster, the run report locally)
export {
  collectDecks,
  currentDeck,
  DECK_CSS,
  DECK_FILE_NAME,
  DEFAULT_DECK,
  Deck,
  deckPage,
  escapeHtml,
  renderCode,
  renderImage,
  renderJson,
  renderMarkdown,
  renderTable,
} from './deck/index.ts';
export type { CoreErrorCode, ErrorCode, FailureInfo, FailureKind } from './errors.ts';
// Errors
export {
  BackendError,
  CancelledError,
  ConfigError,
  hasErrorCode,
  InvalidInputError,
  InvalidOptionError,
  InvalidOutputError,
  InvalidSchemaError,
  NonRetryableError,
  PluginDuplicateError,
  PluginInvalidError,
  PluginNotFoundError,
  PluginVersionMismatchError,
  StateConflictError,
  StateCorruptError,
  StateUnavailableError,
  StorageError,
  TaskFailedError,
  TaskTimeoutError,
  TflyteError,
  TypeMismatchError,
} from './errors.ts';
export type { Clock } from './executor/clock.ts';
export { systemClock } from './executor/clock.ts';
export type { ExecutorEvent, ExecutorEventListener, ExecutorEventType } from './executor/events.ts';
// Array runs (Flyte's ArrayNode): executor.runArray and TaskRunner.runMap
export type { AbandonedJob, ArrayRunOptions, Executor, ExecutorOptions, RunOptions } from './executor/executor.ts';
export { createExecutor, DEFAULT_SYSTEM_RETRIES, newRunId } from './executor/executor.ts';
export type { ErrorOrigin } from './executor/failure.ts';
export { classifyError, errorDocumentFields, FAILURE_CODES, failureFromErrorDocument, failureFromStatus } from './executor/failure.ts';
export { fixedLengthUniqueId } from './executor/generated-name.ts';
export { isTerminalPhase, phaseName } from './executor/phases.ts';
export type { ElementResult } from './executor/run-elements.ts';
export type { ConfigCodec, EncodedConfig } from './plugin/config-codec.ts';
export { noConfig, protoCustom } from './plugin/config-codec.ts';
export type {
  AsyncBackend,
  AttemptContext,
  Backend,
  LogLink,
  PollPolicy,
  StatusCheckPolicy,
  SyncBackend,
  TargetKind,
  TaskStatus,
} from './plugin/contract.ts';
export { isSyncBackend } from './plugin/contract.ts';
export type { DefinedTask, Plugin, PluginDefinition, PluginSpec, PluginTaskInit, TaskBody } from './plugin/define-plugin.ts';
// The plugin contract
export { definePlugin } from './plugin/define-plugin.ts';
export type { CreateRegistryOptions, PluginRegistry, RegisterOptions } from './plugin/registry.ts';
// Running: registry, state, storage, executor, sessions
export { CORE_VERSION, createRegistry } from './plugin/registry.ts';
export { aborted, failed, failure, initializing, Phase, queued, running, succeeded, waitingForResources } from './plugin/status.ts';
// Workflows as flyteidl WorkflowTemplates (compiled from the body's promises, for registration)
export { castable } from './serialize/bindings.ts';
export type { WorkflowConstruct } from './serialize/compile-error.ts';
export { WorkflowCompileError } from './serialize/compile-error.ts';
export type { ContainerParts } from './serialize/container.ts';
export { buildContainer, containerTarget } from './serialize/container.ts';
export { ENTRYPOINT, entrypointArgs } from './serialize/function-target.ts';
export type { SerializeOptions } from './serialize/task-template.ts';
export { SDK_FLAVOR, SDK_VERSION, taskTemplateToBinary, taskTemplateToJson, toTaskTemplate } from './serialize/task-template.ts';
export type { CompiledWorkflow, WorkflowSerializeOptions } from './serialize/workflow-template.ts';
export type { ExecutorRunnerOptions } from './session/executor-runner.ts';
export { executorRunner, LOCAL_IMAGE } from './session/executor-runner.ts';
export type { OpenSessionOptions, Session, StartedRun, StartRunRequest } from './session/open-session.ts';
export { openSession } from './session/open-session.ts';
export type { RunIdentity } from './session/run-identity.ts';
export type { RunJournal, RunRecord, RunStatus } from './session/run-journal.ts';
export type { ObjectStore, PutOptions, Storage } from './storage/index.ts';
export { createFileStore, createStorage, joinUri, toLocalPath, uriScheme } from './storage/index.ts';
export type { StateStore } from './store/index.ts';
export { openStateStore, STATE_DB_FILE } from './store/index.ts';
// A state store in memory, for runs nothing re-attaches to (direct calls, backend tests)
export { createMemoryStateStore } from './store/memory-store.ts';
export type { DefinitionSite } from './task/caller-module.ts';
export { markTaskFactoryModule } from './task/caller-module.ts';
export type { ArrayKind, DefineTaskInit, TargetContext, Task, TaskDefinition, TaskKind, TaskTarget } from './task/define-task.ts';
export { checkCall, defineTask, isTask, TaskExecutionError } from './task/define-task.ts';
export { FUNCTION_BACKEND_NAME, FUNCTION_TASK_TYPE, functionBackend, functionPlugin, functionTasks } from './task/function-plugin.ts';
export type { TaskFunctionInputs, TaskOptions } from './task/function-task.ts';
// Authoring
export { task } from './task/function-task.ts';
export type {
  Accelerator,
  CacheOptions,
  CommonTaskOptions,
  NormalizedOptions,
  PodTemplateOptions,
  ResourceSpec,
  SecretRequest,
} from './task/options.ts';
export type { InferOutput, OutputSpec } from './task/outputs.ts';
// Serialization
export { parseQuantity, toQuantity } from './task/quantity.ts';
export type { MapRunOptions, TaskRunner } from './task/run-context.ts';
export { currentRunner, withRunner } from './task/run-context.ts';
export { durationNanos, formatDurationGo, formatFloatGo, formatFloatPlain, formatTimestampGo } from './template/go-format.ts';
export { formatPrimitiveGo } from './template/primitive-text.ts';
export type { TemplateValues } from './template/render-template.ts';
// Flyte's command templates, and values as its Go components print them
export { inputReferences, perRetryUniqueKey, renderTemplate } from './template/render-template.ts';
export { isFlyteType } from './types/base.ts';
export type { FlyteDatasetType, FlyteDirectoryType, FlyteFileType, HashMethod } from './types/blobs.ts';
export type { FlyteListType, FlyteMapType } from './types/collections.ts';
export type { FlyteEnumType } from './types/enum.ts';
export type {
  AnyType,
  Duration,
  FlyteDirectory,
  FlyteFile,
  FlyteType,
  Infer,
  InferInputs,
  JsonObject,
  JsonValue,
  StandardResult,
  StandardSchemaV1,
  StructuredDatasetRef,
  TypeKind,
  TypeRecord,
} from './types/flyte-type.ts';
export { describeLiteralType, typeFromLiteralType } from './types/from-literal-type.ts';
export { fromLiteralMap, toLiteralMap } from './types/literal-map.ts';
export { literalTypeEquals } from './types/literal-type-equals.ts';
export { describeLiteral } from './types/literals.ts';
export type { ReadObject } from './types/offloaded.ts';
export { resolveOffloadedLiterals } from './types/offloaded.ts';
export { getOwn, setOwn } from './types/own-key.ts';
export type { FlyteRecordType, InferRecord, RecordOptions } from './types/record.ts';
export type { BlobOptions, DatasetOptions } from './types/t.ts';
// The type system (implementation classes stay internal)
export { t } from './types/t.ts';
export { AmbiguousUnionError, UnknownFieldError } from './types/type-errors.ts';
export type { FlyteOptionalType, FlyteUnionType } from './types/union.ts';
export { unionTag } from './types/union.ts';
export type { MappedInputs, MapTaskOptions } from './workflow/map-task.ts';
export { DEFAULT_MAP_CONCURRENCY, MapTaskFailedError, mapTask } from './workflow/map-task.ts';
export type { WorkflowOptions } from './workflow/workflow.ts';
// Composition
export { WORKFLOW_TYPE, workflow } from './workflow/workflow.ts';
