/**
 * `tflyte init [dir]`: a project that works after `npm install`: `npx tflyte run src/hello.ts hello`
 * runs its first task, `npm test` runs that task's test (Node's own test runner, so no test framework
 * to install) and `npm run typecheck` checks it with tsc. The `node` devDependency brings a Node.js
 * that runs TypeScript task files, whatever Node.js the machine has.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgv } from '../argv.ts';
import { cliVersion, type Io } from '../main.ts';
import { EXIT, UsageError } from '../usage-error.ts';

export async function init(args: readonly string[], io: Io): Promise<number> {
  const { options, positionals } = parseArgv('init', args, { force: 'boolean' }, 2);
  const [target = '.', extra] = positionals;
  if (extra !== undefined) throw new UsageError(`init: unexpected argument '${extra}'; use 'tflyte init [dir]'`);
  const dir = resolve(io.cwd, target);
  const files = projectFiles(packageName(basename(dir)), cliVersion());
  const existing = Object.keys(files).filter((file) => existsSync(join(dir, file)));
  if (existing.length > 0 && options.force !== true) {
    throw new UsageError(`init: ${existing.join(', ')} already exist in ${dir}; nothing was written (--force overwrites them)`);
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const cd = relative(io.cwd, dir);
  io.out(`Created a tflyte project in ${dir}: ${Object.keys(files).join(', ')}`);
  io.out('');
  io.out('Next:');
  if (cd !== '') io.out(`  cd ${cd}`);
  io.out('  npm install');
  io.out('  npx tflyte run src/hello.ts hello --name world');
  return EXIT.ok;
}

/** An npm package name from a directory name: lower case, no spaces or characters npm refuses. */
function packageName(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return name === '' ? 'tflyte-project' : name;
}

function projectFiles(name: string, tflyteVersion: string): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'package.json': json({
      name,
      version: '0.1.0',
      private: true,
      type: 'module',
      scripts: {
        test: 'node --test',
        typecheck: 'tsc --noEmit',
      },
      devDependencies: {
        '@tflyte/cli': `^${tflyteVersion}`,
        '@tflyte/core': `^${tflyteVersion}`,
        '@types/node': '^24.0.0',
        // npm scripts and npx put node_modules/.bin first on PATH, so this Node.js runs the tasks.
        node: '^24.0.0',
        typescript: '^7.0.2',
      },
    }),
    'tflyte.config.ts': `// What \`tflyte run\` uses: the plugins of the task types this project runs (none are needed for
// function tasks), backends overrides, the state directory. See the @tflyte/core README.
import { defineConfig } from '@tflyte/core';

export default defineConfig({
  plugins: [],
});
`,
    'src/hello.ts': `import { t, task } from '@tflyte/core';

/** Greets someone: a typed, versioned Flyte task. */
export const hello = task(
  { inputs: { name: t.string().describe('who to greet') }, outputs: t.string() },
  function hello({ name }) {
    return \`Hello, \${name}!\`;
  },
);
`,
    'src/hello.test.ts': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hello } from './hello.ts';

test('hello greets by name', async () => {
  assert.equal(await hello({ name: 'world' }), 'Hello, world!');
});
`,
    'tsconfig.json': json({
      compilerOptions: {
        target: 'es2023',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        strict: true,
        noEmit: true,
        // Task files run through Node's type stripping: only erasable TypeScript, imports with .ts.
        erasableSyntaxOnly: true,
        verbatimModuleSyntax: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
      },
      include: ['src', 'tflyte.config.ts'],
    }),
    '.gitignore': 'node_modules\n.tflyte\n',
    'README.md': `# ${name}

Flyte tasks in TypeScript, with [tflyte](https://www.npmjs.com/package/@tflyte/cli).

\`\`\`sh
npm install
npx tflyte run src/hello.ts hello --name world   # prints Hello, world!
npm test                                         # the tasks' tests (node --test)
npm run typecheck                                # tsc
\`\`\`

\`npx tflyte run src/hello.ts hello --help\` lists a task's inputs. Tasks are plain functions with typed
inputs and outputs: call them in tests as \`await hello({ name: 'world' })\`. \`tflyte.config.ts\` registers
the plugins of other task types (Athena, BigQuery, Spark, containers, ...).

Task files run through Node.js type stripping: write erasable TypeScript only (no \`enum\`, no
\`namespace\`, no parameter properties) and import local files with their \`.ts\` extension. \`npm run
typecheck\` checks the types, which running does not.
`,
  };
}
