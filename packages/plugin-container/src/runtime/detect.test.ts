import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectContainerRuntime, RUNTIME_ENV_VAR } from './detect.ts';
import { ContainerRuntimeUnavailableError } from './errors.ts';
import { probeContainerRuntime } from './runtime-availability.ts';

const probe = await probeContainerRuntime({ runtime: 'podman' });

describe('detectContainerRuntime', () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tflyte-detect-'));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('names podman and docker and how to install them when neither is on PATH', async () => {
    const error = await detectContainerRuntime({ env: { PATH: scratch }, stateDir: scratch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerRuntimeUnavailableError);
    expect(error).toMatchObject({ code: 'TFLYTE_CONFIG', attempts: ['podman: not found on PATH', 'docker: not found on PATH'] });
    const message = (error as Error).message;
    expect(message).toMatch(/apt-get install .*podman/);
    expect(message).toMatch(/docker/);
    expect(message).toContain('install-container-runtime.sh');
    expect(message).toContain(RUNTIME_ENV_VAR);
  });

  it(`honours ${RUNTIME_ENV_VAR}, reporting a docker client whose daemon is unreachable`, async () => {
    const env = { ...process.env, [RUNTIME_ENV_VAR]: 'docker', DOCKER_HOST: `unix://${join(scratch, 'no-daemon.sock')}` };
    const error = await detectContainerRuntime({ env, stateDir: scratch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerRuntimeUnavailableError);
    const attempts = (error as ContainerRuntimeUnavailableError).attempts;
    expect(attempts[0]).toMatch(/^docker: not found on PATH$|^docker \(.+\): `.+ version` failed: /);
    expect(attempts[1]).toBe(`podman: not tried (${RUNTIME_ENV_VAR} chose docker)`);
  });

  it('rejects an unknown runtime name naming where it came from', async () => {
    await expect(detectContainerRuntime({ env: { [RUNTIME_ENV_VAR]: 'containerd' } })).rejects.toMatchObject({
      code: 'TFLYTE_CONFIG',
      message: expect.stringContaining(`${RUNTIME_ENV_VAR}: unknown container runtime "containerd"`),
    });
  });

  describe.skipIf(!probe.available)('with podman installed', () => {
    it('points podman at a private containers.conf selecting runc and lowered ulimits', async () => {
      const detected = await detectContainerRuntime({ runtime: 'podman', stateDir: scratch });
      expect(detected.kind).toBe('podman');
      expect(detected.version).toMatch(/^\d+\.\d+/);
      const confPath = detected.env.CONTAINERS_CONF ?? '';
      expect(confPath.startsWith(join(scratch, 'containers-'))).toBe(true);
      const conf = await readFile(confPath, 'utf8');
      expect(conf).toContain('default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]');
      expect(conf).toContain('runtime = "runc"');
    });

    it('falls back along the preference order when the first choice is unusable', async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${join(scratch, 'no-daemon.sock')}` };
      delete env[RUNTIME_ENV_VAR];
      const detected = await detectContainerRuntime({ prefer: ['docker', 'podman'], env, stateDir: scratch });
      expect(detected.kind).toBe('podman');
    });

    it('refuses a state directory that other users can write, since its config selects the OCI runtime binary', async () => {
      await chmod(scratch, 0o777);
      await expect(detectContainerRuntime({ runtime: 'podman', stateDir: scratch })).rejects.toMatchObject({
        code: 'TFLYTE_CONFIG',
        message: expect.stringContaining('writable only by it'),
      });
    });
  });
});
