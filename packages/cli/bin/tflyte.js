#!/usr/bin/env node
// Runs the built CLI; inside the tflyte repository without a build, it runs the TypeScript sources
// (Node 24 strips types) with the workspace's source export condition.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `tflyte: needs Node.js 22.12 or newer (this is ${process.version}). ` +
      "Run it as 'npx tflyte' in a project that depends on the 'node' package, or install a newer Node.js.\n",
  );
  process.exit(70);
}

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  const { runCli } = await import(built.href);
  await runCli();
} else {
  const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const result = spawnSync(process.execPath, ['--conditions=@tflyte/source', source, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
