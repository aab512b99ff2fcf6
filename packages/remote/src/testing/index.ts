export { startFlyteAdminTestServer, processLauncher } from './admin-server.ts';
export type { FlyteAdminTestServer, FlyteAdminTestServerOptions, LaunchRequest, Launcher, ProcessLauncherOptions, StoredExecution } from './admin-server.ts';
export type { S3Signer } from './sigv4-upload.ts';
