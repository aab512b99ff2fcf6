#!/usr/bin/env node
// Runs the CLI in this process, so Ctrl-C and SIGTERM reach it however it was started (directly,
// through npx, or from a script). It runs the built CLI; inside the tflyte repository without a
// build, the TypeScript sources (Node strips types) resolved with the workspace's source condition.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

// 22.18 is the first Node.js with all of what tflyte uses unflagged: type stripping for task files,
// node:sqlite for the state store, module.registerHooks and import.meta.main.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
  process.stderr.write(
    `tflyte: needs Node.js 22.18 or newer (this is ${process.version}). ` +
      "Run it as 'npx tflyte' in a project that depends on the 'node' package, or install a newer Node.js.\n",
  );
  process.exit(70);
}

// V8's code cache (and stripped TypeScript) kept on disk between runs, so a second `tflyte run`
// does not compile the CLI, core and the config's plugins again. Off with NODE_DISABLE_COMPILE_CACHE=1.
module.enableCompileCache?.();

const SOURCE_CONDITION = '@tflyte/source';
const built = new URL('../dist/main.js', import.meta.url);
const source = new URL('../src/main.ts', import.meta.url);

if (existsSync(fileURLToPath(built))) {
  const { runCli } = await import(built.href);
  await runCli();
} else if (typeof module.registerHooks === 'function') {
  // Every import from here on (the CLI, tflyte.config.ts, the user's modules) resolves the
  // workspace packages to their sources, as `node --conditions=@tflyte/source` would.
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      const conditions = context.conditions ?? [];
      return nextResolve(
        specifier,
        conditions.includes(SOURCE_CONDITION) ? context : { ...context, conditions: [...conditions, SOURCE_CONDITION] },
      );
    },
  });
  const { runCli } = await import(source.href);
  await runCli();
} else {
  // Node without module.registerHooks: a child with the condition flag. It runs in its own process
  // group so that a terminal's Ctrl-C reaches it once, through us, and never orphans it.
  const child = spawn(process.execPath, [`--conditions=${SOURCE_CONDITION}`, fileURLToPath(source), ...process.argv.slice(2)], {
    stdio: 'inherit',
    detached: true,
  });
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    process.exit(code ?? 1);
  });
}
