// The public API of @tflyte/kubernetes.

// Running container-target tasks as pods
export { kubernetesPod, KUBERNETES_POD_BACKEND } from './pod/kubernetes-pod.ts';
export type { KubernetesPodOptions } from './pod/kubernetes-pod.ts';
export { podPhase, DEFAULT_POD_PHASE_OPTIONS } from './pod/pod-phase.ts';
export type { PodPhaseOptions } from './pod/pod-phase.ts';
export { PRIMARY_CONTAINER_ANNOTATION } from './pod/pod-view.ts';
export type { PodView, ContainerStatusView, PodConditionView } from './pod/pod-view.ts';

// Building blocks for CRD-based backends (Spark, PyTorch): one implementation each, kubernetesPod() is built on them
export { rolePodSpec, buildPod, SAFE_TO_EVICT, TASK_NAME_LABEL, ATTEMPT_LABEL, ROLE_LABEL } from './pod/build-pod.ts';
export type { BasePodTemplate, PodBuildOptions, PodDefaults, PodLocations, RolePod, RolePodOptions, RoleResources } from './pod/build-pod.ts';
export { overlayPodSpec, mergeByName } from './pod/pod-overlay.ts';
export type { PodOverlay } from './pod/pod-overlay.ts';
export type { GpuLabels } from './pod/pod-accelerator.ts';
export { resourcesOverride } from './pod/pod-resources.ts';
export type { ResourceDefaults } from './pod/pod-resources.ts';
export { podData } from './pod/pod-data.ts';
export type { PodData, PodDataOptions } from './pod/pod-data.ts';
export { podTemplateSource, POD_TEMPLATE_KIND } from './pod/pod-templates.ts';
export type { PodTemplateSource, PodTemplateSourceOptions } from './pod/pod-templates.ts';
export { podLogLinks, renderLogLinks } from './pod/log-links.ts';
export type { LogLinkTemplate, PodLogTarget } from './pod/log-links.ts';
export { operatorJobPhase, currentCondition, JOB_FAILED, JOB_STATUS_UNREADABLE } from './crd/job-conditions.ts';
export type { JobCondition, OperatorJobView, OperatorJobPhaseOptions } from './crd/job-conditions.ts';
export { kubernetesResourceBackend, MANAGED_BY_LABEL, MANAGED_BY } from './resource-backend.ts';
export type { ResourceBackend, ResourceBackendOptions, ResourceHandle, ResourcePhase } from './resource-backend.ts';

// The cluster connection
export { createKubeClient, loadKubeConfig } from './kube/kube-client.ts';
export { lazyKubeClient } from './kube/lazy-client.ts';
export type { KubeClient, KubeClientOptions, ListResult } from './kube/kube-client.ts';
export { SharedInformer } from './kube/informer.ts';
export type { InformerListener, InformerOptions, InformerSelectors, InformerStats, SubscribeOptions } from './kube/informer.ts';
export { EVENT_KIND, ObjectEventFeed, objectEvents, eventTime, isNewerEvent } from './kube/object-events.ts';
export type { EventView, ObjectEventListener } from './kube/object-events.ts';
export { createResource, requestExceedsQuota } from './kube/create-outcome.ts';
export type { CreateOutcome } from './kube/create-outcome.ts';
export { apiFailure, isAlreadyExists, isNotFound, isTransient, KUBERNETES_API_ERROR } from './kube/api-errors.ts';
export type { ApiFailure } from './kube/api-errors.ts';
export { POD_KIND, collectionPath } from './kube/resource-kind.ts';
export type { ResourceKind } from './kube/resource-kind.ts';
export { toPlain } from './kube/kube-object.ts';
export type { KubeObject, ObjectMeta } from './kube/kube-object.ts';
