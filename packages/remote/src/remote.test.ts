/**
 * @tflyte/remote against its FlyteAdmin test server over real gRPC: configuration as flytectl
 * reads it, the external-command auth flow (the server refuses calls without the token), immutable
 * registration, and fast-registration bundles that round-trip and respect .gitignore.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { createFileStore, createStorage } from '@tflyte/core';
import { IdentifierSchema, ResourceType } from '@tflyte/idl/core/identifier';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRemote,
  loadRemoteConfig,
  packSources,
  RemoteConfigError,
  registerTask,
  unpackSources,
  VersionConflictError,
} from './index.ts';
import { type FlyteAdminTestServer, startFlyteAdminTestServer } from './testing/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tflyte-remote-'));
let server: FlyteAdminTestServer;

beforeAll(async () => {
  server = await startFlyteAdminTestServer({
    storage: createStorage([createFileStore()]),
    metadataPrefix: join(dir, 'metadata'),
    uploadPrefix: join(dir, 'uploads'),
    s3Signer: { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 's' },
    launcher: async () => {},
    requireToken: 'sekrit',
  });
});
afterAll(() => server.close());

const template = (image: string) =>
  create(TaskTemplateSchema, {
    id: create(IdentifierSchema, { resourceType: ResourceType.TASK, project: 'p', domain: 'd', name: 'm.t', version: 'v1' }),
    type: 'container',
    interface: {},
    target: { case: 'container', value: { image, args: ['tflyte', 'execute'] } },
  });

describe('config', () => {
  it('reads admin.endpoint from FLYTECTL_CONFIG; FLYTE_PLATFORM_URL overrides it', () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'admin:\n  endpoint: dns:///flyte.example.com:443\n  authType: ClientSecret\n  clientId: ci\n');
    expect(loadRemoteConfig({ env: { FLYTECTL_CONFIG: file } })).toMatchObject({
      baseUrl: 'https://flyte.example.com:443',
      authType: 'ClientSecret',
      clientId: 'ci',
    });
    expect(
      loadRemoteConfig({ env: { FLYTECTL_CONFIG: file, FLYTE_PLATFORM_URL: 'localhost:30080', FLYTE_PLATFORM_INSECURE: 'true' } }).baseUrl,
    ).toBe('http://localhost:30080');
  });

  it('names the setting and the fix when no endpoint is configured', () => {
    expect(() => loadRemoteConfig({ env: {}, home: dir })).toThrow(RemoteConfigError);
    expect(() => loadRemoteConfig({ env: {}, home: dir })).toThrow(/admin\.endpoint .* FLYTE_PLATFORM_URL/);
  });
});

describe('registration through the external-command auth flow', () => {
  const config = (command: string[]) => ({
    ...loadRemoteConfig({ env: { FLYTE_PLATFORM_URL: server.url } }),
    authType: 'ExternalCommand' as const,
    command,
  });

  it('is refused without the token the server wants', async () => {
    const remote = connectRemote(config(['echo', 'wrong']));
    await expect(registerTask(remote, template('img:1'))).rejects.toThrow(/Unauthenticated/);
  });

  it('creates once, is a no-op for the same body, and refuses another body under the version', async () => {
    const remote = connectRemote(config(['echo', 'sekrit']));
    expect(await registerTask(remote, template('img:1'))).toBe('created');
    expect(await registerTask(remote, template('img:1'))).toBe('exists');
    await expect(registerTask(remote, template('img:2'))).rejects.toThrow(VersionConflictError);
    expect(server.tasks.size).toBe(1);
  });
});

describe('fast-registration bundles', () => {
  it('pack what git keeps (not .gitignored files), deterministically, and unpack to the same files', () => {
    const root = join(dir, 'project');
    mkdirSync(join(root, 'src'), { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: root });
    writeFileSync(join(root, '.gitignore'), 'secret.txt\n');
    writeFileSync(join(root, 'src/a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'secret.txt'), 'no');
    const first = packSources(root);
    expect(first.files).toEqual(['.gitignore', 'src/a.ts']);
    expect(packSources(root).digest).toBe(first.digest);
    const out = join(dir, 'out');
    expect(unpackSources(first.bytes, out)).toEqual(['.gitignore', 'src/a.ts']);
    expect(readFileSync(join(out, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');
  });
});
