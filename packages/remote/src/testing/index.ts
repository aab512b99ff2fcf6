export type {
  FlyteAdminTestServer,
  FlyteAdminTestServerOptions,
  Launcher,
  LaunchRequest,
  ProcessLauncherOptions,
  StoredExecution,
} from './admin-server.ts';
export { processLauncher, startFlyteAdminTestServer } from './admin-server.ts';
export type { S3Signer } from './sigv4-upload.ts';
