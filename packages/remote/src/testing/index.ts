export type {
  FlyteAdminTestServer,
  FlyteAdminTestServerOptions,
  Launcher,
  LaunchRequest,
  ProcessLauncherOptions,
  StoredExecution,
} from './admin-server.ts';
export { processLauncher, startFlyteAdminTestServer } from './admin-server.ts';
export type { OAuthTestServer, OAuthTestServerOptions } from './oauth-server.ts';
export { startOAuthTestServer } from './oauth-server.ts';
export type { S3Signer } from './sigv4-upload.ts';
