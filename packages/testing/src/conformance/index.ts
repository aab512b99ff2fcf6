// @tflyte/testing/conformance: the backend conformance suite every plugin runs against its backend.

export type { BackendConformanceOptions, ConformanceCheck, ReattachSpec } from './describe-backend-conformance.ts';
export { backendConformanceChecks, describeBackendConformance } from './describe-backend-conformance.ts';
