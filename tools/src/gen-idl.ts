// Regenerates @tflyte/idl from the .proto files shipped in the @flyteorg/flyteidl npm package.
// buf.build is not reachable from our machines, so the one outside import (google/api, used only by
// service/agent.proto) comes from the google-proto-files package instead of a buf dependency.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '../..');
const flyteidlProtos = join(dirname(require.resolve('@flyteorg/flyteidl/package.json')), 'protos');
const googleProtos = dirname(require.resolve('google-proto-files/package.json'));
const outDir = join(root, 'packages/idl/src/gen');

// Only what tflyte speaks: the core model, plugin configs, task registration and the agent (connector) service.
const paths = [
  'proto/flyteidl/core',
  'proto/flyteidl/plugins',
  'proto/flyteidl/admin/agent.proto',
  // TaskSpec (a TaskTemplate plus its description), the unit `tflyte serialize` writes for registration.
  'proto/flyteidl/admin/task.proto',
  'proto/flyteidl/admin/description_entity.proto',
  'proto/flyteidl/admin/common.proto',
  'proto/flyteidl/service/agent.proto',
  'third_party/google/api',
];

const work = mkdtempSync(join(tmpdir(), 'tflyte-idl-'));
try {
  cpSync(join(flyteidlProtos, 'flyteidl'), join(work, 'proto/flyteidl'), { recursive: true });
  mkdirSync(join(work, 'third_party/google/api'), { recursive: true });
  for (const f of ['annotations.proto', 'http.proto']) {
    cpSync(join(googleProtos, 'google/api', f), join(work, 'third_party/google/api', f));
  }
  writeFileSync(join(work, 'buf.yaml'), 'version: v2\nmodules:\n  - path: proto\n  - path: third_party\n');
  writeFileSync(
    join(work, 'buf.gen.yaml'),
    [
      'version: v2',
      'clean: true',
      'plugins:',
      `  - local: ${join(root, 'node_modules/.bin/protoc-gen-es')}`,
      `    out: ${outDir}`,
      // js+dts rather than ts: protobuf-es emits TS enums, which Node's type stripping cannot run.
      '    opt: [target=js+dts, import_extension=js]',
      '',
    ].join('\n'),
  );
  const buf = join(root, 'node_modules/.bin/buf');
  execFileSync(buf, ['generate', ...paths.flatMap((p) => ['--path', p])], { cwd: work, stdio: 'inherit' });
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`generated ${outDir}`);
