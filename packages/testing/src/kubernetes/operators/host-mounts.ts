/**
 * An image map entry for the process node whose containers see their hostPath volumes at their
 * mount paths: the command runs through host-mounts.mjs, which rewrites mount paths in the command
 * line to the host directories. Use it for programs that write to a mounted outputs directory (a
 * raw container's DataLoadingConfig), such as training ranks started by the training operator.
 */
import { fileURLToPath } from 'node:url';
import type { KubeTestServer } from '../kube-test-server.ts';

const WRAPPER = fileURLToPath(new URL('./host-mounts.mjs', import.meta.url));

export interface HostMountOptions {
  readonly namespace: string;
  /** Where the command runs (relative script paths resolve here). Default: the test process's directory. */
  readonly cwd?: string;
  /** Programs named by the command, resolved on this machine, e.g. `{ python3: '/usr/bin/python3' }`. */
  readonly executables?: Readonly<Record<string, string>>;
}

/** A command prefix for `node: { imageMap: { [image]: hostMountedImage(server, …) } }`. */
export function hostMountedImage(server: Pick<KubeTestServer, 'url' | 'token'>, options: HostMountOptions): string[] {
  const settings = {
    url: server.url,
    token: server.token,
    namespace: options.namespace,
    cwd: options.cwd ?? process.cwd(),
    executables: options.executables ?? {},
  };
  // `$$` keeps the node's $(VAR) expansion away from the JSON.
  return [process.execPath, WRAPPER, JSON.stringify(settings).replaceAll('$', '$$$$')];
}
