#!/usr/bin/env bash
# Packs every publishable package as npm would publish it (each builds in its prepack), installs the
# tarballs into a fresh project outside the repository (its own `node` devDependency, no workspace
# links), and uses them there as a user would: calls a task, `npx tflyte run`s it, runs an Athena task
# against @tflyte/plugin-athena/testing, scaffolds with `npx tflyte init`, and typechecks the consumer
# with tsc. Usage: tools/ci/pack-smoke.sh [--keep]   (--keep leaves the scratch directory for a look)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
NODE="$ROOT/node_modules/.bin/node"
# npm under the repository's Node 24: npm under an older system Node would resolve older versions.
npm_() { "$NODE" "$(command -v npm)" "$@"; }

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/tflyte-pack-smoke-XXXXXX")"
# The prepacks build dist/ in the working tree, and the repository's own `tflyte` bin runs a built CLI
# when there is one: a dist/ this script made is removed again, so a later run uses the sources.
BUILT_HERE=()
for dir in "$ROOT"/packages/*/; do [[ -e "$dir/dist" ]] || BUILT_HERE+=("$dir/dist"); done
cleanup() {
  rm -rf "${BUILT_HERE[@]}"
  # A pack that failed between its prepack and postpack leaves the copied LICENSE behind.
  for license in "$ROOT"/packages/*/LICENSE; do
    [[ -e $license ]] && ! git -C "$ROOT" ls-files --error-unmatch "$license" >/dev/null 2>&1 && rm -f "$license"
  done
  if [[ ${KEEP:-} != 1 ]]; then rm -rf "$SCRATCH"; fi
}
[[ ${1:-} == --keep ]] && KEEP=1
trap cleanup EXIT
TARBALLS="$SCRATCH/tarballs"
APP="$SCRATCH/app"
mkdir -p "$TARBALLS" "$APP"

echo "== pack (prepack builds each package)"
cd "$ROOT"
mapfile -t PACKAGES < <("$NODE" -e '
  const { readdirSync, readFileSync } = require("node:fs");
  for (const dir of readdirSync("packages").sort()) {
    const pkg = JSON.parse(readFileSync(`packages/${dir}/package.json`, "utf8"));
    if (!pkg.private) console.log(`packages/${dir}`);
  }')
for pkg in "${PACKAGES[@]}"; do
  [[ -n ${PACK_SMOKE_TARBALLS:-} ]] && break
  npm_ pack --workspace "$pkg" --pack-destination "$TARBALLS" >"$SCRATCH/pack.log" 2>&1 || {
    cat "$SCRATCH/pack.log" >&2
    echo "pack-smoke: packing $pkg failed (above: its prepack build, then npm)" >&2
    exit 1
  }
done
[[ -n ${PACK_SMOKE_TARBALLS:-} ]] && cp "$PACK_SMOKE_TARBALLS"/*.tgz "$TARBALLS"/
ls "$TARBALLS"

# A package whose exports point into dist must ship dist: a tarball without it is what the prepack fixes.
for tarball in "$TARBALLS"/*.tgz; do
  name="$(basename "$tarball")"
  files="$(tar -tzf "$tarball")"
  if tar -xzOf "$tarball" package/package.json | grep '"./dist/' >/dev/null; then
    grep -qx 'package/dist/index.js' <<<"$files" || { echo "pack-smoke: $name has no dist/index.js" >&2; exit 1; }
  fi
  if grep -qE '\.test\.ts$' <<<"$files"; then echo "pack-smoke: $name ships tests" >&2; exit 1; fi
  # npm adds a package's LICENSE and README when they are in its directory (the prepack copies LICENSE in).
  for required in LICENSE README.md; do
    grep -qx "package/$required" <<<"$files" || { echo "pack-smoke: $name has no $required" >&2; exit 1; }
  done
done

echo "== install into $APP"
# The versions the repository itself is tested with, from its lockfile.
locked() { "$NODE" -p "require('$ROOT/package-lock.json').packages['node_modules/$1'].version"; }
"$NODE" - "$APP/package.json" "$TARBALLS" "$(locked node)" "$(locked typescript)" "$(locked @types/node)" "$(locked @duckdb/node-api)" <<'EOF'
const { readdirSync, writeFileSync } = require('node:fs');
const [file, tarballs, node, typescript, typesNode, duckdb] = process.argv.slice(2);
const dependencies = { '@duckdb/node-api': duckdb };
for (const tgz of readdirSync(tarballs)) {
  // tflyte-plugin-athena-0.1.0.tgz -> @tflyte/plugin-athena
  const name = `@tflyte/${tgz.replace(/^tflyte-/, '').replace(/-\d+\.\d+\.\d+.*\.tgz$/, '')}`;
  dependencies[name] = `file:${tarballs}/${tgz}`;
}
const pkg = { name: 'tflyte-pack-smoke', private: true, type: 'module', dependencies, devDependencies: { node, typescript, '@types/node': typesNode } };
writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
EOF
cd "$APP"
npm_ install --no-audit --no-fund --loglevel=error
# Every @tflyte package comes from a tarball, none from the registry or a link into the repository.
for dir in node_modules/@tflyte/*; do
  [[ -L $dir ]] && { echo "pack-smoke: $dir is a link" >&2; exit 1; }
  grep -q "\"resolved\": \"file:[^\"]*tarballs/tflyte-" <("$NODE" -p "JSON.stringify(require('./package-lock.json').packages['$dir'], null, 1)") || {
    echo "pack-smoke: $dir was not installed from a tarball" >&2
    exit 1
  }
done

cat >tflyte.config.ts <<'EOF'
import { defineConfig } from '@tflyte/core';
import { athenaPlugin } from '@tflyte/plugin-athena';

export default defineConfig({ plugins: [athenaPlugin({ poll: { initialMs: 10 } })] });
EOF
cat >tasks.ts <<'EOF'
import { t, task } from '@tflyte/core';
import { athenaTask } from '@tflyte/plugin-athena';

export const double = task({ inputs: { n: t.int() }, outputs: t.int() }, function double({ n }) {
  return n * 2;
});

export const bigOrders = athenaTask({
  name: 'bigOrders',
  query: 'SELECT id, amount FROM orders WHERE amount >= {{ .inputs.minAmount }} ORDER BY id',
  inputs: { minAmount: t.float() },
  database: 'sales',
  outputs: { rows: t.list(t.struct()) },
});
EOF
cat >smoke.ts <<'EOF'
// Runs as the user's own code would: the installed packages, the project's Node.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startAthenaServer } from '@tflyte/plugin-athena/testing';
import { bigOrders, double } from './tasks.ts';

assert.equal(await double({ n: 21 }), 42);
assert.equal(execFileSync('npx', ['tflyte', 'run', 'tasks.ts', 'double', '--n', '4'], { encoding: 'utf8' }).trim(), '8');

const server = await startAthenaServer({ workGroups: { primary: { outputLocation: 's3://smoke-results/athena/' } } });
try {
  await server.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(id INTEGER, amount DOUBLE);
    INSERT INTO sales.orders VALUES (1, 5.0), (2, 50.0), (3, 500.0);`);
  const env = { ...process.env, AWS_ENDPOINT_URL_ATHENA: server.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDSMOKE', AWS_SECRET_ACCESS_KEY: 'smoke' };
  // Asynchronously: the test server answers from this process.
  const { stdout: out } = await promisify(execFile)('npx', ['tflyte', 'run', '--json', 'tasks.ts', 'bigOrders', '--min-amount', '50'], { encoding: 'utf8', env });
  assert.deepEqual(JSON.parse(out).rows, [{ id: 2, amount: 50 }, { id: 3, amount: 500 }]);
  assert.equal(server.executions().length, 1);
  assert.equal(typeof bigOrders.name, 'string');
} finally {
  await server.close();
}
console.log('pack-smoke: task call, npx tflyte run and the Athena run passed');
EOF
cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "es2023",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "types": ["node"],
    "strict": true,
    "noEmit": true,
    "erasableSyntaxOnly": true,
    "verbatimModuleSyntax": true,
    "allowImportingTsExtensions": true
  },
  "include": ["*.ts"]
}
EOF

echo "== smoke"
export PATH="$APP/node_modules/.bin:$PATH"
[[ "$(node --version)" == "v$(locked node)" ]] || { echo "pack-smoke: node is $(node --version), not the project's" >&2; exit 1; }
npx tflyte --version
npx tflyte run tasks.ts double --n 21 | grep -qx 42
node smoke.ts

echo "== s3:// without @tflyte/storage (an optional peer of the CLI)"
mv node_modules/@tflyte/storage "$SCRATCH/storage-aside"
execute_out="$(npx tflyte execute --inputs s3://smoke/inputs.pb --output-prefix s3://smoke/out -- task-module tasks task-name double 2>&1 || true)"
mv "$SCRATCH/storage-aside" node_modules/@tflyte/storage
grep -q 'install @tflyte/storage' <<<"$execute_out" || { echo "pack-smoke: no 'install @tflyte/storage' from execute:" >&2; echo "$execute_out" >&2; exit 1; }

echo "== typecheck the consumer (tsc, the installed .d.ts files)"
npx tsc -p tsconfig.json

echo "== tflyte init"
npx tflyte init scaffold >/dev/null
# The scaffold's imports resolve to this project's installed packages (node_modules of the parent).
(cd scaffold && npx tflyte run src/hello.ts hello --name smoke | grep -qx 'Hello, smoke!' && node --test >/dev/null && npx tsc -p tsconfig.json)
echo "pack-smoke: passed"
