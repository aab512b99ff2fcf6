import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from './help.ts';
import { type Io, main } from './main.ts';
import { EXIT } from './usage-error.ts';

const repo = resolve(import.meta.dirname, '../../..');
let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'tflyte-help-'));
  writeFileSync(join(project, 'tflyte.config.ts'), 'export default { plugins: [] };\n');
  writeFileSync(
    join(project, 'tasks.ts'),
    `import { t, task } from '@tflyte/core';
export const echo = task({ inputs: { verbose: t.int(), version: t.string() }, outputs: t.string() }, function echo({ verbose, version }) {
  return \`\${verbose}:\${version}\`;
});
`,
  );
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

async function tflyte(args: string[], cwd = project): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { cwd, out: (l) => out.push(l), err: (l) => err.push(l), env: {}, isTTY: false };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('--help and -h', () => {
  it.each(
    COMMANDS.flatMap((c) => [
      [c.name, '--help'],
      [c.name, '-h'],
    ]),
  )('tflyte %s %s prints help, exits 0 and touches no state', async (command, flag) => {
    const { code, out, err } = await tflyte([command, flag]);
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/Usage:|^tflyte /);
    expect(out).toContain(command);
  });

  it('answers after a subcommand too: `cache clear --help` clears nothing', async () => {
    const state = join(project, '.tflyte');
    rmSync(state, { recursive: true, force: true });
    const { code, out } = await tflyte(['cache', 'clear', '--help']);
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/^Usage: tflyte cache clear/);
    // Clearing would have opened (and created) the state store.
    expect(() => readFileSync(join(state, 'state.db'))).toThrow();
  });

  it('tflyte help <command> is the same text, and the main help lists every command', async () => {
    expect((await tflyte(['help', 'serialize'])).out).toBe((await tflyte(['serialize', '--help'])).out);
    const { code, out } = await tflyte(['--help']);
    expect(code).toBe(EXIT.ok);
    for (const c of COMMANDS) expect(out).toMatch(new RegExp(`^  ${c.name} `, 'm'));
  });
});

describe('global flags', () => {
  it('--version and -V print the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'packages/cli/package.json'), 'utf8')) as { version: string };
    expect(await tflyte(['--version'])).toMatchObject({ code: 0, out: version });
    expect(await tflyte(['-V'])).toMatchObject({ code: 0, out: version });
  });

  it('are read before the command only: task inputs named verbose and version are the task’s', async () => {
    const { code, out, err } = await tflyte(['--verbose', 'run', 'tasks.ts', 'echo', '--verbose', '3', '--version', 'v2']);
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    expect(out).toBe('3:v2');
  });

  it('an unknown global option is a usage error naming it', async () => {
    const { code, err } = await tflyte(['--verbos', 'run']);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/unknown global option --verbos/);
  });

  it('a global option after the command is the command’s, and an unknown one says where globals go', async () => {
    const { code, err } = await tflyte(['plugins', '--verbose']);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/plugins: unknown option --verbose .*global options such as --verbose go before the command/);
  });
});

describe('tflyte completion', () => {
  it.each(['bash', 'zsh', 'fish'])('prints a %s script naming every command', async (shell) => {
    const { code, out } = await tflyte(['completion', shell]);
    expect(code).toBe(EXIT.ok);
    for (const c of COMMANDS) expect(out).toContain(c.name);
  });

  it('the bash script completes commands, subcommands and flags in a real bash', () => {
    const script = join(project, 'tflyte.bash');
    const bin = join(repo, 'packages/cli/bin/tflyte.js');
    const made = spawnSync(process.execPath, [bin, 'completion', 'bash'], { cwd: project, encoding: 'utf8' });
    expect(made.status).toBe(0);
    writeFileSync(script, made.stdout);
    const complete = (line: string): string[] => {
      const words = line.split(' ');
      const probe = `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tflyte; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return spawnSync('bash', ['-c', probe], { cwd: project, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    };
    expect(complete('tflyte ru')).toEqual(['run', 'runs']);
    expect(complete('tflyte cache c')).toEqual(['clear']);
    expect(complete('tflyte run --rep')).toEqual(['--report']);
    expect(complete('tflyte run task')).toEqual(['tasks.ts']);
    expect(complete('tflyte --verbose serialize --fo')).toEqual(['--format']);
  });

  it('refuses an unknown shell', async () => {
    const { code, err } = await tflyte(['completion', 'powershell']);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/completion: which shell\? .*got 'powershell'/);
  });
});
