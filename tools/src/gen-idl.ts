// Regenerates @tflyte/idl from the .proto files shipped in the @flyteorg/flyteidl npm package.
// buf.build is not reachable from our machines, so the outside import google/api (used by the service
// protos) comes from the google-proto-files package instead of a buf dependency.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  // All of admin: TaskSpec (what `tflyte serialize` writes), the agent messages, and what FlyteAdmin
  // speaks for registration and remote executions (`tflyte register`, `tflyte run --remote`).
  'proto/flyteidl/admin',
  'proto/flyteidl/service/agent.proto',
  'proto/flyteidl/event',
  'proto/flyteidl/service/admin.proto',
  'proto/flyteidl/service/dataproxy.proto',
  'proto/flyteidl/service/auth.proto',
  'third_party/google/api',
];

// These services carry protoc-gen-openapiv2 options (swagger docs only). That proto lives on buf.build,
// which we cannot reach, and the options change nothing on the wire, so the copies we build drop the
// import and every `option (grpc.gateway.protoc_gen_openapiv2...) = { ... };` statement.
const openapiAnnotated = ['service/admin.proto', 'service/dataproxy.proto', 'service/auth.proto'];

function stripOpenapiOptions(source: string): string {
  let out = source.replace(/^import "protoc-gen-openapiv2\/options\/annotations\.proto";\n/m, '');
  const marker = /^[ \t]*option \(grpc\.gateway\.protoc_gen_openapiv2\.options\.[a-z_0-9]+\)\s*=\s*\{/m;
  for (let m = marker.exec(out); m; m = marker.exec(out)) {
    let i = m.index + m[0].length;
    let depth = 1;
    let quote = '';
    for (; i < out.length && depth > 0; i++) {
      const c = out[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    const semi = out.indexOf(';', i);
    if (depth !== 0 || semi < 0 || out.slice(i, semi).trim() !== '') {
      throw new Error(`gen-idl: could not strip an openapiv2 option at offset ${m.index}`);
    }
    out = out.slice(0, m.index) + out.slice(semi + 1);
  }
  if (/^[^/\n]*protoc_gen_openapiv2/m.test(out)) throw new Error('gen-idl: an openapiv2 reference survived stripping');
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'tflyte-idl-'));
try {
  cpSync(join(flyteidlProtos, 'flyteidl'), join(work, 'proto/flyteidl'), { recursive: true });
  for (const f of openapiAnnotated) {
    const file = join(work, 'proto/flyteidl', f);
    writeFileSync(file, stripOpenapiOptions(readFileSync(file, 'utf8')));
  }
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
