// The public API of @tflyte/connector: the server that serves tflyte plugins to Flyte, and the
// backend that runs task types through any Flyte connector.

export type { ConnectorBackendOptions, ConnectorHandle, ConnectorTimeouts } from './client/connector-backend.ts';
// Client: any Flyte connector as a tflyte backend
export { CONNECTOR_BACKEND_NAME, connectorBackend } from './client/connector-backend.ts';
export type { ConnectorErrorCode } from './errors.ts';
// Errors
export { ConnectorConfigError, ConnectorModeError, ConnectorNotFoundError, ConnectorRequestError, ResourceMetaError } from './errors.ts';
// Status ⇄ Resource, as propeller reads it
export { DEFAULT_FAILURE_CODE, resourceFromStatus, statusFromResource } from './resource.ts';
export type { AgentServiceDeps } from './server/agent-service.ts';
export { agentServiceRoutes } from './server/agent-service.ts';
export { attemptFromRequest, GENERATED_NAME_ANNOTATION, IDEMPOTENCY_TOKEN_ANNOTATION } from './server/attempt-from-request.ts';
export type { Catalog, ServedCategory } from './server/catalog.ts';
export { buildCatalog } from './server/catalog.ts';
export type { ConnectorServer, ConnectorServerOptions, ConnectorTls } from './server/connector-server.ts';
// Server
export { startConnectorServer } from './server/connector-server.ts';
export { HEALTH_SERVICES, HealthState } from './server/health.ts';
export type { LogEntry, Logger } from './server/log.ts';
export { stderrLogger } from './server/log.ts';
export type { Operation, Outcome, SlotUsage } from './server/metrics.ts';
export { ConnectorMetrics } from './server/metrics.ts';
export type { ResourceMeta, StoredAttempt } from './server/resource-meta.ts';
export { decodeResourceMeta, encodeResourceMeta, RESOURCE_META_VERSION } from './server/resource-meta.ts';
