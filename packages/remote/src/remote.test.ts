/**
 * @tflyte/remote against its FlyteAdmin test server over real gRPC: configuration as flytectl
 * reads it, the external-command auth flow (the server refuses calls without the token), immutable
 * registration, and fast-registration bundles that round-trip and respect .gitignore.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { createFileStore, createStorage } from '@tflyte/core';
import { WorkflowSpecSchema } from '@tflyte/idl/admin/workflow';
import { IdentifierSchema, ResourceType } from '@tflyte/idl/core/identifier';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { SimpleType } from '@tflyte/idl/core/types';
import { WorkflowTemplateSchema } from '@tflyte/idl/core/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRemote,
  loadRemoteConfig,
  packSources,
  RemoteConfigError,
  RemoteError,
  registerTask,
  registerWorkflow,
  unpackSources,
  VersionConflictError,
  workflowProblems,
} from './index.ts';
import { type FlyteAdminTestServer, type OAuthTestServer, startFlyteAdminTestServer, startOAuthTestServer } from './testing/index.ts';

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
    // An empty variable is unset.
    expect(loadRemoteConfig({ env: { FLYTECTL_CONFIG: file, FLYTE_PLATFORM_URL: '' } }).baseUrl).toBe('https://flyte.example.com:443');
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

describe("browser login (Pkce) and client credentials against the cluster's OAuth server", () => {
  let oauth: OAuthTestServer;
  let guarded: FlyteAdminTestServer;
  beforeAll(async () => {
    oauth = await startOAuthTestServer({ publicClients: ['flytectl'], confidentialClients: { ci: 'ci-secret' } });
    guarded = await startFlyteAdminTestServer({
      storage: createStorage([createFileStore()]),
      metadataPrefix: join(dir, 'metadata2'),
      uploadPrefix: join(dir, 'uploads2'),
      s3Signer: { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 's' },
      launcher: async () => {},
      requireToken: (token) => oauth.accepts(token),
      tokenEndpoint: oauth.tokenEndpoint,
      authorizationEndpoint: oauth.authorizationEndpoint,
      // Port 0: any free loopback port, as RFC 8252 lets native apps choose.
      publicClient: { clientId: 'flytectl', redirectUri: 'http://localhost:0/callback', scopes: ['all'] },
    });
  });
  afterAll(async () => {
    await guarded.close();
    await oauth.close();
  });
  const base = () => loadRemoteConfig({ env: { FLYTE_PLATFORM_URL: guarded.url, FLYTE_PLATFORM_INSECURE: 'true' } });

  it('logs in through the authorize URL (S256 challenge, no verifier in it), refreshes a refused token, and reuses the cached login in the next process', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'tflyte-tokens-'));
    const visited: string[] = [];
    // The "browser": an HTTP client that follows the authorize URL's redirect back to tflyte's listener.
    const browser = async (url: string) => {
      visited.push(url);
      const page = await fetch(url);
      expect(await page.text()).toContain('Logged in');
    };
    const config = { ...base(), authType: 'Pkce' as const };
    const remote = connectRemote(config, { openBrowser: browser, tokenCacheDir: cache });
    expect(await registerTask(remote, template('img:pkce'))).toBe('created');
    expect(visited).toHaveLength(1);
    const authorize = new URL(visited[0]!);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'flytectl',
      code_challenge_method: 'S256',
      scope: 'all',
    });
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.has('code_verifier')).toBe(false);
    expect(oauth.granted).toMatchObject({ authorization_code: 1 });

    // The server stops accepting the access token: the next call refreshes it, with no second login.
    oauth.expireAccessTokens();
    expect(await registerTask(remote, template('img:pkce'))).toBe('exists');
    expect(oauth.granted).toMatchObject({ authorization_code: 1, refresh_token: 1 });
    expect(visited).toHaveLength(1);

    // A new connection (the next command) uses the owner-only cache: no login.
    const [file] = readdirSync(cache);
    expect(statSync(join(cache, file!)).mode & 0o777).toBe(0o600);
    const again = connectRemote(config, { openBrowser: browser, tokenCacheDir: cache });
    expect(await registerTask(again, template('img:pkce'))).toBe('exists');
    expect(visited).toHaveLength(1);
    expect(oauth.granted.authorization_code).toBe(1);
  });

  it('client credentials: the secret from the env var buys a token at the advertised endpoint; a wrong secret is REMOTE_AUTH', async () => {
    const config = { ...base(), authType: 'ClientSecret' as const, clientId: 'ci', clientSecretEnvVar: 'TFLYTE_TEST_SECRET' };
    process.env.TFLYTE_TEST_SECRET = 'ci-secret';
    const before = oauth.granted.client_credentials ?? 0;
    const ci = template('img:ci');
    ci.id!.version = 'v2';
    expect(await registerTask(connectRemote(config), ci)).toBe('created');
    expect(oauth.granted.client_credentials).toBe(before + 1);
    process.env.TFLYTE_TEST_SECRET = 'wrong';
    const refused = await registerTask(connectRemote(config), ci).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RemoteError);
    expect(refused).toMatchObject({ code: 'REMOTE_AUTH' });
    expect(String((refused as Error).message)).not.toContain('wrong');
    delete process.env.TFLYTE_TEST_SECRET;
  });
});

describe("propeller's compiler rules", () => {
  const int = { type: { case: 'simple', value: SimpleType.INTEGER } } as const;
  const str = { type: { case: 'simple', value: SimpleType.STRING } } as const;
  const taskId = create(IdentifierSchema, { resourceType: ResourceType.TASK, project: 'p', domain: 'd', name: 'm.double', version: 'v1' });
  const face = { inputs: { variables: { x: { type: int } } }, outputs: { variables: { o0: { type: int } } } } as never;
  const promise = (nodeId: string, v: string) => ({ value: { case: 'promise', value: { nodeId, var: v } } }) as never;
  const node = (id: string, binding: unknown, upstream: string[] = []) => ({
    id,
    inputs: binding === undefined ? [] : [{ var: 'x', binding }],
    upstreamNodeIds: upstream,
    target: { case: 'taskNode', value: { reference: { case: 'referenceId', value: taskId } } },
  });
  const workflow = (nodes: unknown[], inputType: unknown = int, output = promise('n0', 'o0')) =>
    create(WorkflowTemplateSchema, {
      id: { resourceType: ResourceType.WORKFLOW, project: 'p', domain: 'd', name: 'm.wf', version: 'v1' },
      interface: { inputs: { variables: { x: { type: inputType as never } } }, outputs: { variables: { o0: { type: int } } } },
      nodes: nodes as never,
      outputs: [{ var: 'o0', binding: output }],
    });
  const problems = (wf: ReturnType<typeof workflow>) => workflowProblems(wf, { taskInterface: () => face, subWorkflows: [] });

  it('accepts a well-formed chain', () => {
    expect(problems(workflow([node('n0', promise('start-node', 'x')), node('n1', promise('n0', 'o0'))]))).toEqual([]);
  });

  it('follows attribute paths: an element of a list input binds to an int; a path into an int does not', () => {
    const list = { type: { case: 'collectionType', value: int } } as const;
    const element = {
      value: { case: 'promise', value: { nodeId: 'start-node', var: 'x', attrPath: [{ value: { case: 'intValue', value: 0 } }] } },
    };
    expect(problems(workflow([node('n0', element)], list))).toEqual([]);
    expect(problems(workflow([node('n0', element)]))).toEqual([
      "node n0: 'x' reads an attribute path of start-node.x that its type does not have",
    ]);
  });

  it('names unbound inputs, unknown nodes, type mismatches, reserved ids and cycles', () => {
    expect(problems(workflow([node('n0', undefined)]))).toEqual(["node n0: input 'x' is not bound"]);
    expect(problems(workflow([node('n0', promise('n9', 'o0'))]))).toEqual(["node n0: 'x' refers to node 'n9', which does not exist"]);
    expect(problems(workflow([node('n0', promise('start-node', 'x'))], str))).toEqual([
      "node n0: 'x' is bound to start-node.x of another type",
    ]);
    expect(problems(workflow([node('end-node', promise('start-node', 'x')), node('n0', promise('start-node', 'x'))]))).toContain(
      "node id 'end-node' is reserved",
    );
    expect(problems(workflow([node('n0', promise('n1', 'o0')), node('n1', promise('n0', 'o0'))]))).toEqual([
      'nodes form a cycle: n0 -> n1 -> n0',
    ]);
  });

  it('the FlyteAdmin test server applies them to what it receives, and refuses a launch plan for an unknown workflow', async () => {
    const remote = connectRemote({
      ...loadRemoteConfig({ env: { FLYTE_PLATFORM_URL: server.url } }),
      authType: 'ExternalCommand' as const,
      command: ['echo', 'sekrit'],
    });
    const template = workflow([node('n0', promise('start-node', 'x'))]);
    // Sent around the client-side check: the task is not registered on the server.
    await expect(remote.admin.createWorkflow({ id: template.id!, spec: { template } })).rejects.toThrow(
      /failed to compile workflow .*node n0: task 'm\.double' version 'v1' is not registered/,
    );
    const lpId = { ...template.id!, resourceType: ResourceType.LAUNCH_PLAN };
    await expect(remote.admin.createLaunchPlan({ id: lpId, spec: { workflowId: template.id! } })).rejects.toThrow(
      /workflow p\/d\/m\.wf\/v1 is not registered/,
    );
    expect([...server.workflows.keys()].some((k) => k.includes('m.wf'))).toBe(false);
    expect(server.launchPlans.size).toBe(0);
  });

  it('a workflow registers once, again as a no-op, and another body under its version is a VersionConflictError', async () => {
    const remote = connectRemote({
      ...loadRemoteConfig({ env: { FLYTE_PLATFORM_URL: server.url } }),
      authType: 'ExternalCommand' as const,
      command: ['echo', 'sekrit'],
    });
    const registered = template('img:1'); // m.t v1, registered by the auth tests above
    const spec = (label: string) =>
      create(WorkflowSpecSchema, {
        template: {
          id: { resourceType: ResourceType.WORKFLOW, project: 'p', domain: 'd', name: 'm.once', version: 'v1' },
          interface: {},
          nodes: [
            {
              id: 'n0',
              metadata: { name: label },
              target: { case: 'taskNode', value: { reference: { case: 'referenceId', value: registered.id! } } },
            },
          ],
        },
      });
    expect(await registerWorkflow(remote, spec('t'), [registered])).toBe('created');
    expect(await registerWorkflow(remote, spec('t'), [registered])).toBe('exists');
    await expect(registerWorkflow(remote, spec('renamed'), [registered])).rejects.toThrow(VersionConflictError);
  });

  it('registerWorkflow checks them before sending anything', async () => {
    const remote = connectRemote({
      ...loadRemoteConfig({ env: { FLYTE_PLATFORM_URL: server.url } }),
      authType: 'ExternalCommand' as const,
      command: ['echo', 'sekrit'],
    });
    const calls = server.calls.length;
    const spec = { $typeName: 'flyteidl.admin.WorkflowSpec', template: workflow([node('n0', undefined)]), subWorkflows: [] } as never;
    await expect(registerWorkflow(remote, spec, [])).rejects.toThrow(
      /does not compile:\n {2}- node n0: task 'm\.double' version 'v1' is not registered/,
    );
    expect(server.calls.length).toBe(calls);
  });
});
