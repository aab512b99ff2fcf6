// The public API of @tflyte/connector: the server that serves tflyte plugins to Flyte, and the
// backend that runs task types through any Flyte connector.

// Server
export { startConnectorServer } from './server/connector-server.ts';
export type { ConnectorServer, ConnectorServerOptions, ConnectorTls } from './server/connector-server.ts';
export { agentServiceRoutes } from './server/agent-service.ts';
export type { AgentServiceDeps } from './server/agent-service.ts';
export { buildCatalog } from './server/catalog.ts';
export type { Catalog, ServedCategory } from './server/catalog.ts';
export { ConnectorMetrics } from './server/metrics.ts';
export type { Operation, Outcome } from './server/metrics.ts';
export { HealthState, HEALTH_SERVICES } from './server/health.ts';
export { stderrLogger } from './server/log.ts';
export type { LogEntry, Logger } from './server/log.ts';
export { encodeResourceMeta, decodeResourceMeta, RESOURCE_META_VERSION } from './server/resource-meta.ts';
export type { ResourceMeta, StoredAttempt } from './server/resource-meta.ts';
export { attemptFromRequest, GENERATED_NAME_ANNOTATION, IDEMPOTENCY_TOKEN_ANNOTATION } from './server/attempt-from-request.ts';

// Status ⇄ Resource, as propeller reads it
export { resourceFromStatus, statusFromResource, DEFAULT_FAILURE_CODE } from './resource.ts';

// Errors
export { ConnectorRequestError, ConnectorNotFoundError, ResourceMetaError, ConnectorModeError, ConnectorConfigError } from './errors.ts';
export type { ConnectorErrorCode } from './errors.ts';

// Client: any Flyte connector as a tflyte backend
export { connectorBackend, CONNECTOR_BACKEND_NAME } from './client/connector-backend.ts';
export type { ConnectorBackendOptions, ConnectorHandle, ConnectorTimeouts } from './client/connector-backend.ts';
