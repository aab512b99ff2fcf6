// The public API of @tflyte/kubernetes.

export type { JobCondition, OperatorJobPhaseOptions, OperatorJobView } from './crd/job-conditions.ts';
export { currentCondition, JOB_FAILED, JOB_STATUS_UNREADABLE, operatorJobPhase } from './crd/job-conditions.ts';
export type { ApiFailure } from './kube/api-errors.ts';
export { apiFailure, isAlreadyExists, isNotFound, isTransient, KUBERNETES_API_ERROR } from './kube/api-errors.ts';
export type { CreateOutcome } from './kube/create-outcome.ts';
export { createResource, requestExceedsQuota } from './kube/create-outcome.ts';
export type { InformerListener, InformerOptions, InformerSelectors, InformerStats, SubscribeOptions } from './kube/informer.ts';
export { SharedInformer } from './kube/informer.ts';
export type { KubeClient, KubeClientOptions, ListResult } from './kube/kube-client.ts';
// The cluster connection
export { createKubeClient, loadKubeConfig } from './kube/kube-client.ts';
export type { KubeObject, ObjectMeta } from './kube/kube-object.ts';
export { toPlain } from './kube/kube-object.ts';
export { lazyKubeClient } from './kube/lazy-client.ts';
export type { EventView, ObjectEventListener } from './kube/object-events.ts';
export { EVENT_KIND, eventTime, isNewerEvent, ObjectEventFeed, objectEvents } from './kube/object-events.ts';
export type { ResourceKind } from './kube/resource-kind.ts';
export { collectionPath, POD_KIND } from './kube/resource-kind.ts';
export type {
  BasePodTemplate,
  PodBuildOptions,
  PodDefaults,
  PodLocations,
  RolePod,
  RolePodOptions,
  RoleResources,
} from './pod/build-pod.ts';
// Building blocks for CRD-based backends (Spark, PyTorch): one implementation each, kubernetesPod() is built on them
export { ATTEMPT_LABEL, buildPod, ROLE_LABEL, rolePodSpec, SAFE_TO_EVICT, TASK_NAME_LABEL } from './pod/build-pod.ts';
export type { KubernetesPodOptions } from './pod/kubernetes-pod.ts';
// Running container-target tasks as pods
export { KUBERNETES_POD_BACKEND, kubernetesPod } from './pod/kubernetes-pod.ts';
export type { LogLinkTemplate, PodLogTarget } from './pod/log-links.ts';
export { podLogLinks, renderLogLinks } from './pod/log-links.ts';
export type { GpuLabels } from './pod/pod-accelerator.ts';
export type { PodData, PodDataOptions } from './pod/pod-data.ts';
export { podData } from './pod/pod-data.ts';
export type { PodOverlay } from './pod/pod-overlay.ts';
export { mergeByName, overlayPodSpec } from './pod/pod-overlay.ts';
export type { PodPhaseOptions } from './pod/pod-phase.ts';
export { DEFAULT_POD_PHASE_OPTIONS, podPhase } from './pod/pod-phase.ts';
export type { ResourceDefaults } from './pod/pod-resources.ts';
export { resourcesOverride } from './pod/pod-resources.ts';
export type { PodTemplateSource, PodTemplateSourceOptions } from './pod/pod-templates.ts';
export { POD_TEMPLATE_KIND, podTemplateSource } from './pod/pod-templates.ts';
export type { ContainerStatusView, PodConditionView, PodView } from './pod/pod-view.ts';
export { PRIMARY_CONTAINER_ANNOTATION } from './pod/pod-view.ts';
export type { ResourceBackend, ResourceBackendOptions, ResourceHandle, ResourcePhase } from './resource-backend.ts';
export { kubernetesResourceBackend, MANAGED_BY, MANAGED_BY_LABEL } from './resource-backend.ts';
