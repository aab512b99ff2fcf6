/**
 * The standard gRPC health service (grpc.health.v1.Health): SERVING for the whole server ("") and
 * each agent service while the connector runs, NOT_SERVING once it shuts down, so a Kubernetes gRPC
 * probe takes the replica out of the Service before its in-flight calls finish.
 */
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { AgentMetadataService, AsyncAgentService, SyncAgentService } from '@tflyte/idl/service/agent';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../gen/grpc/health/v1/health_pb.js';

export const HEALTH_SERVICES: readonly string[] = [
  '',
  AsyncAgentService.typeName,
  SyncAgentService.typeName,
  AgentMetadataService.typeName,
];

export class HealthState {
  #status: Status = Status.SERVING;
  readonly #watchers = new Set<(status: Status) => void>();
  readonly #stopped = new AbortController();

  get status(): Status {
    return this.#status;
  }

  /** NOT_SERVING from now on; open Watch streams get it and end. */
  shutDown(): void {
    this.#status = Status.NOT_SERVING;
    for (const watcher of this.#watchers) watcher(Status.NOT_SERVING);
    this.#stopped.abort();
  }

  routes(router: ConnectRouter): void {
    const check = (service: string): Status => {
      if (!HEALTH_SERVICES.includes(service))
        throw new ConnectError(`unknown service '${service}'; known: ${HEALTH_SERVICES.filter(Boolean).join(', ')}`, Code.NotFound);
      return this.#status;
    };
    const watchers = this.#watchers;
    const stopped = this.#stopped.signal;
    router.service(Health, {
      check: async (request) => ({ status: check(request.service) }),
      async *watch(request, ctx) {
        const status = HEALTH_SERVICES.includes(request.service) ? check(request.service) : Status.SERVICE_UNKNOWN;
        yield { status };
        if (stopped.aborted || status === Status.SERVICE_UNKNOWN) return;
        // Hold the stream until the call ends or the server stops; the only change is to NOT_SERVING.
        const next = await new Promise<Status | undefined>((resolve) => {
          const watcher = (s: Status): void => resolve(s);
          watchers.add(watcher);
          ctx.signal.addEventListener('abort', () => resolve(undefined), { once: true });
        });
        if (next !== undefined) yield { status: next };
      },
    });
  }
}
