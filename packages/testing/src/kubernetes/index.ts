/**
 * A local Kubernetes API server for tests, spoken to by the real @kubernetes/client-node.
 *
 * Faithful where callers branch on behaviour: metav1.Status errors (404/409 AlreadyExists and Conflict/410
 * Expired/422 Invalid with field causes), one global resourceVersion, optimistic concurrency, status
 * subresources, generation, finalizers and graceful pod deletion, watches with resume and 410 after
 * compaction, CRD schema validation with pruning and defaulting.
 *
 * Its node runs pods for real: containers as local processes (an image map stands in for images, by a
 * command prefix or an image config with entrypoint, working directory and env), or — with a
 * `containerLauncher` — in a container runtime, with the pod's emptyDir and hostPath volumes mounted.
 *
 * Deliberate simplifications:
 * - Strategic merge patch is applied as a JSON merge patch (lists are replaced); it is refused with 415 for
 *   custom resources, as the apiserver does. Server-side apply is refused with 415.
 * - Unknown fields of custom resources are pruned with a `Warning` header (fieldValidation=Warn, the
 *   default), dropped silently with Ignore, and rejected with 400 under Strict.
 * - CEL rules (x-kubernetes-validations) are not evaluated, except the immutability rule `self == oldSelf`.
 * - Pods get the structural checks callers depend on, not all of ValidatePod.
 * - No garbage collection of ownerReferences, no admission webhooks, quotas or RBAC (faults can be injected).
 * - A continue token lists from the current state rather than a snapshot.
 */

export type { ContainerLaunch, ContainerLauncher, ImageConfig, ImageMap, LaunchedContainer } from './container-process.ts';
export type { FaultRule } from './faults.ts';
export type { RecordedRequest } from './http-server.ts';
export type { KubeApiServerOptions, KubeTestServer, ObjectRef } from './kube-test-server.ts';
export { startKubeApiServer } from './kube-test-server.ts';
export type { KubeTestNode, ProcessNodeOptions } from './node-runner.ts';
export type { HostMountOptions } from './operators/host-mounts.ts';
export { hostMountedImage } from './operators/host-mounts.ts';
export type { SparkOperator, SparkOperatorOptions } from './operators/spark-operator.ts';
// Operator emulations (and the image stand-in their training ranks need).
export { DRIVER_CONTAINER, startSparkOperator } from './operators/spark-operator.ts';
export type { TrainingOperator, TrainingOperatorOptions } from './operators/training-operator.ts';
export { JOB_NAME_LABEL, REPLICA_INDEX_LABEL, REPLICA_TYPE_LABEL, startTrainingOperator } from './operators/training-operator.ts';
export type { KubeStatus, StatusCause, StatusDetails } from './status.ts';
export { KubeStatusError } from './status.ts';
export type { KubeObject, ObjectMeta } from './types.ts';
