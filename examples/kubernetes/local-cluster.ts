/**
 * A cluster on this machine for trying the example: tflyte's test Kubernetes API server, whose node
 * runs function-task pods as processes in this repository (standing in for an image whose WORKDIR is
 * the project and whose PATH has `tflyte`) and every other image's pods in podman, when there is one.
 *
 *   npx node --conditions=@tflyte/source examples/kubernetes/local-cluster.ts
 *   # then, in another shell at the repository root, with the KUBECONFIG it prints:
 *   cd examples/kubernetes && npx tflyte run hello.ts greet --name you
 * (`npx node` is the repository's Node 24, which runs TypeScript; a system Node may not.)
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_IMAGE } from '@tflyte/core';
import { type ContainerRuntime, probeContainerRuntime } from '@tflyte/plugin-container';
import { type ContainerLauncher, type KubeTestServer, startKubeApiServer } from '@tflyte/testing/kubernetes';

/** The repository root: where function tasks' modules resolve, and whose node_modules/.bin has `tflyte`. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs pod containers in podman (or docker) through the container plugin's runtime layer. */
export function runtimeLauncher(runtime: ContainerRuntime): ContainerLauncher {
  return {
    launch(container, onOutput) {
      const stop = new AbortController();
      const name = `${container.podName}-${container.containerName}`;
      const exited = runtime
        .run(
          {
            name,
            image: container.image,
            ...(container.command ? { command: container.command } : {}),
            ...(container.args ? { args: container.args } : {}),
            env: container.env,
            mounts: container.mounts.map((m) => ({ hostPath: m.hostPath, containerPath: m.containerPath, readOnly: m.readOnly })),
            ...(container.workingDir ? { workdir: container.workingDir } : {}),
            pull: 'never',
          },
          { signal: stop.signal },
        )
        .then(
          (result) => {
            onOutput(result.stdoutTail + result.stderrTail);
            return { exitCode: result.exitCode };
          },
          (error: unknown) => (stop.signal.aborted ? { exitCode: 143 } : { exitCode: 128, startError: (error as Error).message }),
        );
      return { id: `${runtime.kind}://${name}`, exited, terminate: () => stop.abort(), kill: () => stop.abort() };
    },
  };
}

export interface LocalCluster {
  readonly server: KubeTestServer;
  /** A kubeconfig file for the server, for KUBECONFIG. */
  readonly kubeconfig: string;
  /** Whether pods of images other than the local one can run (a container runtime was found). */
  readonly containers: boolean;
}

export async function startLocalCluster(): Promise<LocalCluster> {
  const probe = await probeContainerRuntime();
  const server = await startKubeApiServer({
    node: {
      imageMap: {
        [LOCAL_IMAGE]: {
          workingDir: REPO_ROOT,
          env: { PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}` },
        },
      },
      ...(probe.available ? { containerLauncher: runtimeLauncher(probe.runtime) } : {}),
    },
  });
  const kubeconfig = join(tmpdir(), `tflyte-local-cluster-${server.url.replace(/\D+/g, '')}.kubeconfig`);
  await writeFile(kubeconfig, server.kubeConfig().exportConfig(), { mode: 0o600 });
  return { server, kubeconfig, containers: probe.available };
}

if (import.meta.main) {
  const { server, kubeconfig, containers } = await startLocalCluster();
  process.stdout.write(
    `Kubernetes API server at ${server.url}${containers ? '' : ' (no container runtime: only function tasks can run)'}\nexport KUBECONFIG=${kubeconfig}\n`,
  );
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
}
