// @tflyte/testing/conformance: the backend conformance suite every plugin runs against its backend.
export { describeBackendConformance } from './describe-backend-conformance.ts';
export type { BackendConformanceOptions, ReattachSpec } from './describe-backend-conformance.ts';
